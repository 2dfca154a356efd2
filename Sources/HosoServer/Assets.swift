import HosoKit
import Hummingbird

/// The only files the server serves by name: a fixed table, so no path from a request ever reaches the file system.
enum StaticRoutes {
    static let files: [String: (type: String, body: String)] = [
        "app.css": ("text/css; charset=utf-8", css + WalkInRoutes.css + WorkbenchRoutes.css),
        "app.js": (
            "text/javascript; charset=utf-8", js + AgentSigningRoutes.js + OnlineRequestRoutes.js + WalkInRoutes.js + WorkbenchRoutes.js
        ),
    ]

    static func add(to router: some RouterMethods<HosoContext>) {
        router.get("/static/:name") { _, context -> Response in
            guard let name = context.parameters.get("name"), let f = files[name] else {
                throw HosoError(.inputNotFound, .both("Không có tệp này", "No such file"))
            }
            return Response(
                status: .ok, headers: [.contentType: f.type, .cacheControl: "max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: f.body)))
        }
    }

    // Plain CSS, readable on a phone: one column under 640 px, tables scroll sideways. WCAG AA: text at 4.5:1 or more
    // on its background, input borders (--field) at 3:1 or more on white, and a focus ring that is always visible.
    static let css = """
        :root { --fg: #1d232a; --muted: #4f5963; --line: #d5dbe1; --field: #6b7785; --accent: #0b5cad; --bad: #b3261e;
                --bad-bg: #fdecea; --ok: #1b6e34; --ok-bg: #e7f5ea; --warn: #7a4f00; --warn-bg: #fff4d6; --focus: #0b5cad; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.45 "DejaVu Sans", "Noto Sans", system-ui, sans-serif; color: var(--fg); background: #f6f7f9; }
        header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .6rem 1rem; background: #fff;
                 border-bottom: 1px solid var(--line); }
        header nav { display: flex; flex-wrap: wrap; gap: .25rem .9rem; flex: 1; }
        header .who { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; font-size: .9rem; color: var(--muted); }
        .brand { font-weight: 700; color: var(--accent); text-decoration: none; font-size: 1.15rem; }
        main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
        h1 { font-size: 1.4rem; margin: .3rem 0 1rem; }
        h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
        a { color: var(--accent); }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 1rem; margin: 0 0 1rem; max-width: 40rem; }
        label { display: block; margin: .5rem 0; }
        label input, label select, label textarea { display: block; width: 100%; margin-top: .2rem; }
        input, select, textarea, button { font: inherit; padding: .45rem .55rem; border: 1px solid var(--field); border-radius: 4px; }
        a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible,
        summary:focus-visible, [tabindex]:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
        input:focus, select:focus, textarea:focus { outline: 3px solid var(--focus); outline-offset: 1px; }
        main:focus { outline: none; }
        .skip-link { position: absolute; left: .5rem; top: -3rem; background: #fff; color: var(--accent); padding: .5rem .8rem;
                     border: 2px solid var(--accent); border-radius: 4px; z-index: 10; }
        .skip-link:focus { top: .5rem; }
        .next-step { font-weight: 600; }
        .detail { color: var(--muted); font-size: .85rem; }
        .field-error { display: block; color: var(--bad); font-size: .9em; margin-top: .2rem; }
        button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
        button.danger { background: var(--bad); border-color: var(--bad); }
        form.inline { display: inline; }
        form.inline button { padding: .2rem .5rem; font-size: .85rem; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        tr.overdue td { background: var(--bad-bg); }
        .badge { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-size: .85rem; }
        .badge.overdue, .badge.FAILED { background: var(--bad); color: #fff; }
        .badge.PASSED { background: var(--ok); color: #fff; }
        .badge.INDETERMINATE { background: var(--warn); color: #fff; }
        .badge.UNSIGNED { border: 1px solid var(--field); color: var(--fg); background: #fff; }
        .badge.CONFLICT { background: var(--warn); color: #fff; }
        .report { border-left: 6px solid var(--line); }
        .report.PASSED { border-left-color: var(--ok); background: var(--ok-bg); }
        .report.FAILED { border-left-color: var(--bad); background: var(--bad-bg); }
        .report.INDETERMINATE { border-left-color: var(--warn); background: var(--warn-bg); }
        .error, .errors { color: var(--bad); }
        .cell-error { display: block; color: var(--bad); font-size: .85em; max-width: 14em; }
        input[aria-invalid="true"] { border-color: var(--bad); outline: 2px solid var(--bad); }
        .note { color: var(--muted); }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
        dt { color: var(--muted); }
        dd { margin: 0; overflow-wrap: anywhere; }
        .tiles { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .75rem; }
        .tiles a { display: block; padding: 1rem; background: #fff; border: 1px solid var(--line); border-radius: 6px; text-decoration: none; }
        .scan { max-width: 36rem; flex: 1 1 20rem; }
        .scan img { max-width: 100%; height: auto; display: block; }
        .actions { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
        @media (max-width: 640px) {
          dl { grid-template-columns: 1fr; }
          dt { margin-top: .4rem; }
          main { padding: .6rem; }
        }
        fieldset { border: 1px solid var(--line); border-radius: 4px; margin: .75rem 0; padding: .25rem .75rem .5rem; }
        .field label { margin-bottom: 0; }
        .field input, .field select { display: block; width: 100%; margin-top: .2rem; }
        .field .note { display: block; font-size: .9em; }
        .field-error { display: block; color: var(--bad); margin-top: .15rem; }
        .badge.online { background: var(--accent); color: #fff; }
        .tracking { font: 700 1.6rem/1.2 "DejaVu Sans Mono", monospace; letter-spacing: .08em; }
        /* PUBLIC: the public page's office banner and verdict. */
        .office-banner { display: flex; align-items: center; gap: .75rem; margin-bottom: .75rem; }
        .office-banner img { width: 72px; height: 72px; object-fit: contain; flex: none; }
        .office-name { font-weight: 600; margin: 0; }
        .detail { font-size: .85rem; color: var(--muted); overflow-wrap: anywhere; }
        #verdict { overflow-wrap: anywhere; }
        """

    // Progressive only: every form works without it. It asks before a refusal, and shows each term average
    // (TT22: (ΣTX + 2·GK + 3·CK) / (number of TX + 5), one decimal, half up) while marks are typed; in whole tenths,
    // never binary fractions. The server computes the stored average again on saving.
    static let js = """
        document.addEventListener('submit', function (e) {
          var f = e.target;
          if (f.dataset && f.dataset.confirm && !window.confirm(f.dataset.confirm)) { e.preventDefault(); }
        });
        function tenths(v) {
          var m = /^\\s*(10|[0-9])(?:[.,]([0-9]))?\\s*$/.exec(v);
          if (!m) { return null; }
          var t = parseInt(m[1], 10) * 10 + (m[2] ? parseInt(m[2], 10) : 0);
          return t <= 100 ? t : null;
        }
        function recompute(row) {
          var table = document.getElementById('gradebook');
          var n = parseInt(table.dataset.regular, 10), total = 0, ok = true;
          for (var i = 1; i <= n; i++) {
            var t = tenths((document.getElementById('tx' + i + '-' + row) || {}).value || '');
            if (t === null) { ok = false; } else { total += t; }
          }
          var gk = tenths((document.getElementById('gk-' + row) || {}).value || '');
          var ck = tenths((document.getElementById('ck-' + row) || {}).value || '');
          var cell = document.getElementById('avg-' + row);
          if (!ok || gk === null || ck === null) { cell.textContent = '?'; return; }
          total += 2 * gk + 3 * ck;
          var d = n + 5, avg = Math.floor((2 * total + d) / (2 * d));
          cell.textContent = Math.floor(avg / 10) + '.' + (avg % 10);
        }
        document.addEventListener('input', function (e) {
          var t = e.target;
          if (t.classList && t.classList.contains('mark')) { recompute(t.name.split('-')[1]); }
        });
        """
}
