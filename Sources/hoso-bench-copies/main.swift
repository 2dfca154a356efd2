print("hoso-bench-copies: not written yet")
