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
            var apply = function () {
              img.style.width = Math.round(img.naturalWidth * fit * zoom) + 'px';
              stage.style.transform = 'rotate(' + turn + 'deg)';
              var r = document.getElementById('wb-region');
              if (r && r.dataset.region) {
                var p = r.dataset.region.split(',').map(parseFloat);
                if (p.length === 4) {
                  r.style.left = (p[0] * 100) + '%'; r.style.top = (p[1] * 100) + '%';
                  r.style.width = (p[2] * 100) + '%'; r.style.height = (p[3] * 100) + '%';
                  r.hidden = false;
                }
              }
            };
            var start = function () {
              fit = img.naturalWidth ? Math.min(1, (view.clientWidth - 4) / img.naturalWidth) : 1;
              apply();
              var r = document.getElementById('wb-region');
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
              if (id) { e.preventDefault(); act[id](); apply(); }
            });
            var drag = null;
            view.addEventListener('mousedown', function (e) { drag = { x: e.clientX, y: e.clientY, l: view.scrollLeft, t: view.scrollTop }; e.preventDefault(); });
            document.addEventListener('mouseup', function () { drag = null; });
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
