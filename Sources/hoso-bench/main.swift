print("hoso-bench: see tools/bench-records")
