import Foundation
import HosoAccounts
import HosoKit
import Hummingbird

/// The screens' half of signing through the teacher's signing agent: the card on a grade book, the "sign many" page
/// (a class's books in one batch, one PIN) and the script that hands a batch from this server to the agent.
extension AgentSigningRoutes {
    static func addScreens(to router: some RouterMethods<HosoContext>, state: ServerState) {
        let writers = router.group().add(middleware: RequireRole(GradeBookRoutes.writers))
        writers.get("/gradebooks/sign") { _, context -> Response in
            let s = try context.signedIn()
            let books = try await state.archive.with { a in
                try a.recordIds(ofType: GradeBookInfo.recordType).sorted().compactMap { id -> (String, GradeBookInfo)? in
                    let book = try a.gradeBook(record: id)
                    guard try Visibility.canWrite(s, gradeBook: book.body, in: a), (try? a.verify(id))?.signatures.isEmpty ?? true else {
                        return nil
                    }
                    return (id, book.info)
                }
            }
            return htmlResponse(
                Pages.layout(context, title: context.t("Ký nhiều sổ điểm", "Sign many grade books")) {
                    el("p", text: context.t("Các sổ điểm của thầy cô chưa được ký:", "Your grade books not yet signed:"))
                    el("ul", [("id", "unsigned")]) {
                        for (id, i) in books {
                            el("li") {
                                el("label") {
                                    el("input", [("type", "checkbox"), ("name", "record"), ("value", id), ("checked", "")])
                                    " " + context.t(Wording.gradeBook(i))
                                }
                            }
                        }
                    }
                    if books.isEmpty {
                        el(
                            "p", [("class", "note"), ("id", "all-signed")],
                            text: context.t("Không còn sổ nào cần ký.", "Nothing left to sign."))
                    } else {
                        signCard(context, s, records: [])
                    }
                })
        }
    }

    /// Where the agent is and its pairing code (kept in the browser), and the button that starts a batch.
    static func signCard(_ c: HosoContext, _ s: Session, records: [String]) -> HTML {
        // The script's messages, in the page's language.
        el(
            "div",
            [
                ("class", "card"), ("id", "agent-sign"), ("data-csrf", s.csrf),
                ("data-msg-none", c.t("Chưa chọn sổ điểm nào.", "No grade book is chosen.")),
                ("data-msg-preparing", c.t("Đang chuẩn bị…", "Preparing…")),
                ("data-msg-pairing", c.t("Mã ghép nối không đúng.", "The pairing code is wrong.")),
                ("data-msg-failed", c.t("Không ký được: ", "Could not sign: ")),
                ("data-msg-agent", c.t(" — công cụ ký đã chạy chưa?", " — is the signing agent running?")),
            ]
        ) {
            el("h2", text: c.t("Ký số bằng thiết bị ký (token)", "Sign with your token"))
            el(
                "p", [("class", "note")],
                text: c.t(
                    "Cắm token và mở công cụ ký trên máy tính của thầy cô. Khóa bí mật không rời token; mã PIN nhập ở trang của công cụ ký.",
                    "Plug in your token and start the signing agent on your computer. The key never leaves the token; the PIN is typed on the agent's own page."
                ))
            for r in records { el("input", [("type", "hidden"), ("name", "record"), ("value", r)]) }
            el("label") {
                c.t("Địa chỉ công cụ ký", "Signing agent address")
                el("input", [("id", "agent-url"), ("value", "http://127.0.0.1:9437"), ("inputmode", "url")])
            }
            el("label") {
                c.t("Mã ghép nối (in ra khi công cụ ký khởi động)", "Pairing code (printed when the agent starts)")
                el("input", [("id", "agent-code"), ("autocomplete", "off")])
            }
            el("button", [("type", "button"), ("id", "agent-sign-submit")], text: c.t("Ký bằng token", "Sign with the token"))
            el("p", [("id", "agent-status"), ("role", "status")], text: "")
        }
    }

    /// Asks this server for a batch, hands it to the agent with the page's origin and address, then opens the
    /// agent's confirmation page. The agent address and pairing code stay in this browser (localStorage).
    static let js = """

        (function () {
          var card = document.getElementById('agent-sign');
          if (!card) { return; }
          var url = document.getElementById('agent-url'), code = document.getElementById('agent-code');
          var status = document.getElementById('agent-status');
          url.value = localStorage.getItem('hoso-agent-url') || url.value;
          code.value = localStorage.getItem('hoso-agent-code') || '';
          function fail(vi) { status.textContent = vi; status.className = 'errors'; }
          document.getElementById('agent-sign-submit').addEventListener('click', function () {
            var records = Array.prototype.map.call(
              document.querySelectorAll('input[type=hidden][name=record], input[type=checkbox][name=record]:checked'),
              function (e) { return e.value; });
            if (!records.length) { fail(card.dataset.msgNone); return; }
            var agent = url.value.replace(/\\/+$/, '');
            localStorage.setItem('hoso-agent-url', agent);
            localStorage.setItem('hoso-agent-code', code.value.trim());
            status.textContent = card.dataset.msgPreparing;
            fetch('/api/agent/batches', {
              method: 'POST', credentials: 'same-origin',
              headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': card.dataset.csrf },
              body: JSON.stringify({ records: records })
            }).then(function (r) {
              return r.json().then(function (b) { if (!r.ok) { throw new Error(b.errors ? b.errors[0].message : r.status); } return b; });
            }).then(function (batch) {
              batch.server = location.origin;
              batch['return'] = location.href;
              return fetch(agent + '/batches', {
                method: 'POST',
                headers: { 'Content-Type': 'application/json', 'X-Hoso-Agent-Key': code.value.trim() },
                body: JSON.stringify(batch)
              });
            }).then(function (r) {
              return r.json().then(function (a) {
                if (r.status === 401) { throw new Error(card.dataset.msgPairing); }
                if (!r.ok) { throw new Error(a.message || a.error || r.status); }
                location.assign(a.confirm);
              });
            }).catch(function (e) {
              fail(card.dataset.msgFailed + (e && e.message ? e.message : e) + card.dataset.msgAgent);
            });
          });
        })();
        """
}
