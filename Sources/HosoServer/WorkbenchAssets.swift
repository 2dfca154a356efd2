/// The workbench's style and script, served inside /static/app.css and /static/app.js (no inline code: CSP).
extension WorkbenchRoutes {
    static let css = """
        .wb { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
        .wb-scan { flex: 1 1 28rem; min-width: 18rem; }
        .wb-form { flex: 1 1 20rem; min-width: 16rem; }
        .wb-tools { display: flex; flex-wrap: wrap; gap: .4rem; margin-bottom: .4rem; }
        .wb-view { height: 70vh; overflow: auto; border: 1px solid var(--field); background: #fff; cursor: grab; }
        .wb-stage { position: relative; display: inline-block; transform-origin: center center; }
        .wb-stage img { display: block; max-width: none; }
        .wb-region { position: absolute; border: 3px solid var(--bad); background: rgba(179, 38, 30, .08); pointer-events: none; }
        .wb-entry label { margin: .45rem 0 .1rem; }
        .wb-entry input { display: block; width: 100%; }
        .suggestion { display: block; font-size: .85rem; color: var(--warn); background: var(--warn-bg); padding: 0 .3rem; }
        .wb-thumb { max-width: 100%; border: 1px solid var(--line); }
        .wb-decide button { margin: .2rem .3rem .2rem 0; }
        .wb-decide input { display: block; width: 100%; margin-bottom: .3rem; }
        .decided { font-weight: 600; color: var(--ok); }
        """

    static let js = """
        (function () {
          var view = document.getElementById('wb-view'), stage = document.getElementById('wb-stage'), img = document.getElementById('wb-img');
          if (view && stage && img) {
            var zoom = 1, turn = 0, fit = 1;
            var r = document.getElementById('wb-region'), field = document.getElementById('entry-region');
            // The band is kept in the page's own fractions (x, y, w, h); it is drawn inside the rotated stage, so
            // zoom and rotation never change what is stored.
            var band = r && r.dataset.region ? r.dataset.region.split(',').map(parseFloat) : null;
            if (band && band.length !== 4) { band = null; }
            var apply = function () {
              img.style.width = Math.round(img.naturalWidth * fit * zoom) + 'px';
              stage.style.transform = 'rotate(' + turn + 'deg)';
              if (!r) { return; }
              r.hidden = !band;
              if (band) {
                r.style.left = (band[0] * 100) + '%'; r.style.top = (band[1] * 100) + '%';
                r.style.width = (band[2] * 100) + '%'; r.style.height = (band[3] * 100) + '%';
              }
            };
            var clamp = function (v) { return Math.min(1, Math.max(0, v)); };
            var setBand = function (b) {
              if (b) {
                var h = Math.min(1, Math.max(0.005, b[3]));
                b = [clamp(b[0]), Math.min(clamp(b[1]), 1 - h), b[2], h];
                b[2] = Math.min(Math.max(0.005, b[2]), 1 - b[0]);
              }
              band = b;
              var text = b ? b.map(function (v) { return v.toFixed(4); }).join(',') : '';
              if (r) { r.dataset.region = text; }
              if (field) { field.value = text; }
              apply();
            };
            // A point on the screen as fractions of the page: undo the rotation about the image's centre, then scale.
            var toPage = function (cx, cy) {
              var b = img.getBoundingClientRect(), a = -turn * Math.PI / 180;
              var dx = cx - (b.left + b.width / 2), dy = cy - (b.top + b.height / 2);
              return [clamp((dx * Math.cos(a) - dy * Math.sin(a)) / img.offsetWidth + 0.5),
                      clamp((dx * Math.sin(a) + dy * Math.cos(a)) / img.offsetHeight + 0.5)];
            };
            var start = function () {
              fit = img.naturalWidth ? Math.min(1, (view.clientWidth - 4) / img.naturalWidth) : 1;
              apply();
              if (r && !r.hidden) { view.scrollTop = Math.max(0, r.offsetTop - 40); }
            };
            if (img.complete) { start(); } else { img.addEventListener('load', start); }
            var act = {
              'wb-zoom-in': function () { zoom = Math.min(8, zoom * 1.25); },
              'wb-zoom-out': function () { zoom = Math.max(0.25, zoom / 1.25); },
              'wb-rotate': function () { turn = (turn + 90) % 360; },
              'wb-reset': function () { zoom = 1; turn = 0; }
            };
            Object.keys(act).forEach(function (id) {
              var b = document.getElementById(id);
              if (b) { b.addEventListener('click', function () { act[id](); apply(); }); }
            });
            document.addEventListener('keydown', function (e) {
              if (!e.altKey) { return; }
              var k = e.key.toLowerCase(), id = k === '=' || k === '+' ? 'wb-zoom-in' : k === '-' ? 'wb-zoom-out' : k === 'r' ? 'wb-rotate' : null;
              if (id) { e.preventDefault(); act[id](); apply(); return; }
              // The row band: moved or resized in steps of half a percent of the page; set at the top of the view.
              var step = k === 'arrowdown' ? 0.005 : k === 'arrowup' ? -0.005 : 0;
              if (step) {
                e.preventDefault();
                var b = band || [0, 0, 1, 0.04];
                setBand(e.shiftKey ? [b[0], b[1], b[2], b[3] + step] : [b[0], b[1] + (band ? step : 0), b[2], b[3]]);
              } else if (k === 'enter') {
                e.preventDefault();
                var v = view.getBoundingClientRect(), top = toPage(v.left + v.width / 2, v.top + 8);
                setBand([0, top[1], 1, band ? band[3] : 0.04]);
              } else if (k === 'backspace') {
                e.preventDefault();
                setBand(null);
              }
            });
            var drag = null, mark = null;
            view.addEventListener('mousedown', function (e) {
              e.preventDefault();
              if (e.shiftKey) { mark = toPage(e.clientX, e.clientY); return; }
              drag = { x: e.clientX, y: e.clientY, l: view.scrollLeft, t: view.scrollTop };
            });
            document.addEventListener('mouseup', function (e) {
              if (mark) {
                // From the row's top edge to its bottom edge; a drag barely sideways means the whole width.
                var end = toPage(e.clientX, e.clientY), x0 = Math.min(mark[0], end[0]), w = Math.abs(end[0] - mark[0]);
                if (Math.abs(end[1] - mark[1]) >= 0.003) {
                  setBand(w < 0.05 ? [0, Math.min(mark[1], end[1]), 1, Math.abs(end[1] - mark[1])] : [x0, Math.min(mark[1], end[1]), w, Math.abs(end[1] - mark[1])]);
                }
              }
              drag = null; mark = null;
            });
            document.addEventListener('mousemove', function (e) {
              if (drag) { view.scrollLeft = drag.l - (e.clientX - drag.x); view.scrollTop = drag.t - (e.clientY - drag.y); }
            });
          }
          var entry = document.getElementById('entry');
          if (!entry) { return; }
          // The first field has the focus (autofocus is skipped in some cases, e.g. after a scroll to a fragment).
          var firstField = document.getElementById('f-stt');
          if (firstField && (document.activeElement === document.body || !document.activeElement)) { firstField.focus(); }
          var use = document.getElementById('wb-use-suggestions');
          if (use) {
            use.addEventListener('click', function () {
              entry.querySelectorAll('input[data-suggestion]').forEach(function (i) { if (!i.value) { i.value = i.dataset.suggestion; } });
            });
          }
          var timer = null, token = entry.querySelector('input[name=_csrf]').value;
          var check = function () {
            var body = { page: entry.dataset.page };
            entry.querySelectorAll('input[id^="f-"]').forEach(function (i) { body[i.name] = i.value; });
            var x = new XMLHttpRequest();
            x.open('POST', entry.dataset.check);
            x.setRequestHeader('Content-Type', 'application/json');
            x.setRequestHeader('X-CSRF-Token', token);
            x.onload = function () {
              if (x.status !== 200) { return; }
              var found = {};
              JSON.parse(x.responseText).problems.forEach(function (p) {
                if (p.field && !found[p.field]) { found[p.field] = document.documentElement.lang === 'en' ? p.messageEn : p.message; }
              });
              entry.querySelectorAll('input[id^="f-"]').forEach(function (i) {
                // Only fields already typed in are marked: an empty field further down is not an error yet.
                var msg = i.value || found[i.name] && i.dataset.touched ? found[i.name] : null;
                var err = document.getElementById('err-' + i.name);
                if (msg) { i.setAttribute('aria-invalid', 'true'); err.textContent = msg; }
                else { i.removeAttribute('aria-invalid'); err.textContent = ''; }
              });
            };
            x.send(JSON.stringify(body));
          };
          entry.addEventListener('input', function (e) {
            if (e.target.dataset) { e.target.dataset.touched = '1'; }
            clearTimeout(timer);
            timer = setTimeout(check, 300);
          });
        })();
        """
}
