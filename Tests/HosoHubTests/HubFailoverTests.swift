import Foundation
import HosoCore
import HosoHub
import HosoPostgres
import HosoRecords
import HosoStore
import HosoTestSupport
import Testing

@testable import HosoKit

#if canImport(Glibc)
import Glibc
#endif

/// The hub's failover (issue 21): application servers issue copies without pause, the primary is killed with SIGKILL
/// and the synchronous standby promoted. Every copy a server acknowledged is then on the new primary and verifies, no
/// copy number is taken twice, an issue that was never acknowledged is whole or absent, fsck is clean, and the
/// servers issue copies again by themselves: they were opened once, on a URL naming both hosts with
/// `target_session_attrs=read-write`, and follow the promoted standby as libpq's clients do. While no host takes
/// writes a server answers at once with POSTGRES_UNREACHABLE or POSTGRES_READ_ONLY (no hang).
@Suite struct HubFailoverTests {
    /// What the workers saw, in order.
    struct Outcome: Sendable {
        var server: Int
        /// 0 when the call began before the standby was promoted, 1 after.
        var generation: Int
        /// Whether the primary had been killed when the call ended.
        var afterKill: Bool
        var requestId: String?
        var issued: Archive.IssuedCopyResult?
        var error: String?
        var code: HosoError.Code?
        /// How long the call took, in seconds.
        var seconds: Double = 0
    }

    static let entries = [("Số 001234/BT", "Lò Thị Mai"), ("Số 001235/BT", "Hoàng Văn Páo")]

    /// `database` (on the primary) with the standby as a second host, for servers that must find the primary.
    static func bothHosts(_ database: String, _ pg: PostgresCluster, attrs: String = "read-write") throws -> String {
        let standbyPort = try #require(pg.standbyPort)
        let primary = "127.0.0.1:\(pg.primaryPort)"
        let url = database.replacingOccurrences(of: primary + "/", with: "\(primary),127.0.0.1:\(standbyPort)/")
        #expect(url != database)
        return url + "?target_session_attrs=" + attrs
    }

    @Test func copiesSurviveTheKilledPrimary() throws {
        let pg = try PostgresCluster.start(standby: true)
        defer { pg.stop() }
        let database = try Self.bothHosts(try pg.createDatabase(), pg)

        let dir = TempDirectory()
        let now = wholeSecondsNow()
        let s = try OfficeArchiveFixture(in: dir.path, now: now) { try Hub.createHub(root: $0, database: database, clock: $1) }
        let office = s.office
        // Three application servers: each its own folder and its own connections to the same database, opened once.
        var servers = [s.archive]
        for i in 2...3 {
            let root = dir.path + "/a\(i)"
            try ArchiveConfig.create(at: root, createdAt: HosoClock.format(now))
            servers.append(try Hub.openHub(root: root, database: database, clock: .fixed(now)))
        }
        let outcomes = Locked<[Outcome]>([])
        let killed = Locked(false)
        let promoted = Locked(false)
        let stop = Locked(false)

        // Two clerks per server, each issuing copies one after another until told to stop.
        let workers = DispatchGroup()
        for w in 0..<(2 * servers.count) {
            let a = servers[w % 3]
            DispatchQueue.global().async(group: workers) {
                let (serial, holder) = Self.entries[w % 2]
                while !stop.value {
                    var o = Outcome(server: w % 3, generation: promoted.value ? 1 : 0, afterKill: false)
                    let began = Date()
                    do {
                        o.requestId = try HubArchiveTests.request(a, serial: serial, holder: holder)
                        o.issued = try a.issueCopy(entryRef: serial, requestId: o.requestId!, signer: office, clerk: "vanthu")
                    } catch {
                        o.error = "\(error)"
                        o.code = (error as? HosoError)?.code
                    }
                    o.seconds = Date().timeIntervalSince(began)
                    o.afterKill = killed.value
                    outcomes.withLock { $0.append(o) }
                    // A server without its database answers at once: pause before the next try rather than spin.
                    if o.error != nil { usleep(50_000) }
                }
            }
        }
        defer {
            stop.withLock { $0 = true }
            _ = workers.wait(timeout: .now() + 300)
        }

        func waitFor(_ what: String, _ condition: ([Outcome]) -> Bool) throws {
            let deadline = Date().addingTimeInterval(300)
            while !outcomes.withLock({ condition($0) }) {
                guard Date() < deadline else { throw FixtureError("waiting until \(what)", output: "\(outcomes.value.suffix(6))") }
                usleep(20_000)
            }
        }

        // Copies flow on every server; then the primary dies mid-stream.
        try waitFor("each server has issued two copies") { all in
            (0..<3).allSatisfy { srv in all.filter { $0.server == srv && $0.issued != nil }.count >= 2 }
        }
        killed.withLock { $0 = true }
        try pg.killPrimary()

        // Every server now fails, with the error that says no host takes writes, and does not hang: the dead primary
        // refuses, the standby answers read-only.
        try waitFor("each server has failed since the kill") { all in
            (0..<3).allSatisfy { srv in all.contains { $0.server == srv && $0.afterKill && $0.error != nil } }
        }
        for a in servers {
            let e = #expect(throws: HosoError.self) { try HubArchiveTests.request(a) }
            #expect(e?.code == .postgresReadOnly || e?.code == .postgresUnreachable, "\(String(describing: e))")
        }

        // The standby takes over; the same servers, never reopened, resume.
        try pg.promoteStandby()
        promoted.withLock { $0 = true }
        try waitFor("each server has issued two copies on the promoted standby") { all in
            (0..<3).allSatisfy { srv in all.filter { $0.server == srv && $0.generation == 1 && $0.issued != nil }.count >= 2 }
        }
        stop.withLock { $0 = true }
        #expect(workers.wait(timeout: .now() + 300) == .success, "a worker hung")

        let all = outcomes.value
        // Nothing failed while the primary was up, nor on the new one; what failed in between said why, at once.
        let failures = all.filter { $0.error != nil }
        #expect(failures.allSatisfy { $0.afterKill && $0.generation == 0 }, "\(failures.filter { !$0.afterKill || $0.generation != 0 })")
        #expect(
            failures.allSatisfy { $0.code == .postgresUnreachable || $0.code == .postgresReadOnly },
            "\(failures.filter { $0.code != .postgresUnreachable && $0.code != .postgresReadOnly }.map { $0.error ?? "" })")
        #expect(failures.contains { $0.code == .postgresReadOnly }, "the standby was never found read-only")
        let slowest = failures.map(\.seconds).max() ?? 0
        #expect(slowest < 10, "a failure took \(slowest) s")

        let hub = servers[0]
        let register = try hub.copyRegister()
        let byNumber = Dictionary(grouping: register, by: \.copyNumber)
        #expect(byNumber.count == register.count, "a copy number taken twice: \(byNumber.filter { $0.value.count > 1 }.keys.sorted())")

        // Every acknowledged copy is there, its PDF stored whole, its signature and register line verified.
        let acknowledged = all.compactMap(\.issued)
        #expect(Set(acknowledged.map(\.register.copyNumber)).count == acknowledged.count)
        for copy in acknowledged {
            let line = byNumber[copy.register.copyNumber]?.first
            #expect(line == copy.register, "copy \(copy.register.printedNumber) lost or changed")
            let stored = try ObjectID(hex: copy.register.document).map { try hub.read($0) }
            #expect(stored == copy.pdf, "the PDF of copy \(copy.register.printedNumber)")
            let report = try hub.verifyCopy(pdf: copy.pdf)
            #expect(report.indication == "PASSED", "\(copy.register.printedNumber): \(report.reasons) \(report.messages)")
            #expect(try hub.request(copy.register.requestId).request.status == .issued)
        }
        // The office's certificate, left out of most copies as already stored, is on the new primary.
        #expect(try hub.store.contains(ObjectID(hashing: office.certificate.der)))

        // An issue cut off by the kill is whole (served request, register line, PDF that verifies) or absent.
        let cut = all.filter { $0.issued == nil && $0.requestId != nil }.compactMap(\.requestId)
        for id in cut {
            let lines = register.filter { $0.requestId == id }
            #expect(lines.count <= 1)
            let status = try hub.request(id).request.status
            if let line = lines.first {
                #expect(status == .issued, "\(id): a register line for a request not served")
                let pdf = try #require(try ObjectID(hex: line.document).map { try hub.read($0) })
                #expect(try hub.verifyCopy(pdf: pdf).indication == "PASSED", "\(id)")
            } else {
                #expect(status == .received, "\(id): served without a register line")
            }
        }
        // Every register line is a whole copy, not only those the workers knew of.
        for line in register {
            #expect(try hub.request(line.requestId).request.status == .issued, "\(line.printedNumber)")
        }

        let fsck = try hub.fsck()
        #expect(fsck.ok, "\(fsck.damaged) \(fsck.missing)")
        #expect(try hub.conflicts().isEmpty)
        // The numbers go on after the highest one, on every server.
        var highest = register.map(\.copyNumber).max() ?? 0
        for a in servers {
            let next = try a.issueCopy(
                entryRef: "Số 001234/BT", requestId: try HubArchiveTests.request(a), signer: office, clerk: "vanthu")
            #expect(next.register.copyNumber == highest + 1)
            highest += 1
            #expect(try hub.verifyCopy(pdf: next.pdf).indication == "PASSED")
        }
    }

    /// A failover can lose a commit the old primary showed other sessions before its synchronous standby had it (a
    /// commit waits for the standby after it is visible). A server that saw the office's certificate stored then,
    /// and so leaves it out of its next copies, must look again once its connections were lost: else its copies
    /// name a certificate the new primary never had. Here the certificate's rows are removed and every connection
    /// ended, as the failover would.
    @Test func anObjectSeenBeforeTheConnectionsWereLostIsLookedForAgain() throws {
        let b = try BackendArchive(.hub)
        let s = try b.fixture()
        let a = s.archive
        let db = try #require(b.databaseName)
        let issue = {
            try a.issueCopy(entryRef: "Số 001234/BT", requestId: try HubArchiveTests.request(a), signer: s.office, clerk: "vanthu")
        }
        // The second copy finds the certificate stored by the first, and remembers it.
        _ = try issue()
        _ = try issue()
        let cert = ObjectID(hashing: s.office.certificate.der)
        let pg = try PostgresCluster.shared()
        try pg.psql(
            """
            DELETE FROM hoso_object_chunks WHERE id = '\\x\(cert.hex)';
            DELETE FROM hoso_objects WHERE id = '\\x\(cert.hex)';
            DELETE FROM object WHERE id = '\(cert.hex)';
            """, database: db)
        #expect(try a.store.contains(cert) == false)
        try pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(db)' AND pid <> pg_backend_pid()")
        let deadline = Date().addingTimeInterval(60)
        while try pg.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = '\(db)' AND pid <> pg_backend_pid()") != "0" {
            guard Date() < deadline else { throw FixtureError("the ended sessions are still there", output: "") }
            usleep(10_000)
        }

        // The next copy (tried again while the server still finds connections that were ended under it).
        var third: Archive.IssuedCopyResult? = nil
        while third == nil {
            do { third = try issue() } catch let e as HosoError where e.code == .postgresUnreachable && Date() < deadline {}
        }
        #expect(try a.store.contains(cert), "the copy was issued without storing the certificate again")
        #expect(try a.index.object(cert) != nil)
        #expect(try a.verifyCopy(pdf: third!.pdf).indication == "PASSED")
    }

    /// A connection the server closed while it sat idle (what a killed primary leaves in every pool and in the write
    /// lock): a query on it fails at once with POSTGRES_UNREACHABLE. postgres-nio alone never completed it, and the
    /// failover test hung in the write lock's release.
    @Test func aQueryOnAConnectionTheServerClosedFailsAtOnce() throws {
        let pg = try PostgresCluster.shared()
        let client = try BlockingPostgresClient(try pg.createDatabase())
        defer { client.close() }
        let outcome = Locked<Result<Void, any Error>?>(nil)
        try client.withConnection { c in
            let pid = try #require(try c.query("SELECT pg_backend_pid()").first).decode(Int32.self)
            try pg.psql("SELECT pg_terminate_backend(\(pid))")
            try c.connection.closeFuture.wait()
            // Asked on another thread, so that a hang fails the test instead of stopping the run.
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                let r = Result { _ = try c.query("SELECT 1") }
                outcome.withLock { $0 = r }
                done.signal()
            }
            #expect(done.wait(timeout: .now() + 120) == .success, "the query on the closed connection hung")
        }
        let error = try #require(
            outcome.value.flatMap { r -> (any Error)? in
                if case .failure(let e) = r { return e }
                return nil
            })
        #expect((error as? HosoError)?.code == .postgresUnreachable, "\(error)")
    }

    /// A copy whose write stops between its objects (the database fails the insert of the request's new revision,
    /// after the PDF and the register line, as a primary killed at that moment would) is absent, not half there: no
    /// register line for a request still open, and the request can be served again.
    @Test func aCopyStoppedBetweenItsObjectsIsAbsent() throws {
        let b = try BackendArchive(.hub)
        let s = try b.fixture()
        let a = s.archive
        let db = try #require(b.databaseName)
        // A first copy, so the office's certificate is stored: the next copy's objects are its PDF, its register line
        // and its request's new revision, in that order.
        _ = try a.issueCopy(entryRef: "Số 001234/BT", requestId: try HubArchiveTests.request(a), signer: s.office, clerk: "vanthu")
        let request = try HubArchiveTests.request(a)
        let pg = try PostgresCluster.shared()
        try pg.psql(
            """
            CREATE SEQUENCE test_object_inserts;
            CREATE FUNCTION test_stop_third_object() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF nextval('test_object_inserts') = 3 THEN
                    RAISE EXCEPTION 'the primary went away' USING ERRCODE = '08006';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER test_stop BEFORE INSERT ON hoso_objects FOR EACH ROW EXECUTE FUNCTION test_stop_third_object();
            """, database: db)
        let e = #expect(throws: HosoError.self) {
            try a.issueCopy(entryRef: "Số 001234/BT", requestId: request, signer: s.office, clerk: "vanthu")
        }
        #expect(e?.code == .postgresUnreachable, "\(String(describing: e))")
        try pg.psql("DROP TRIGGER test_stop ON hoso_objects", database: db)

        // Seen by this server and by one opened afresh: nothing of the copy.
        let root2 = b.dir.path + "/a2"
        try ArchiveConfig.create(at: root2, createdAt: HosoClock.format(Date()))
        for hub in [a, try b.open(root2, clock: .system)] {
            #expect(try hub.copyRegister().map(\.requestId).contains(request) == false, "a register line without its request served")
            #expect(try hub.request(request).request.status == .received)
        }
        let again = try a.issueCopy(entryRef: "Số 001234/BT", requestId: request, signer: s.office, clerk: "vanthu")
        #expect(try a.copyRegister().filter { $0.requestId == request } == [again.register])
        #expect(try a.fsck().ok)
    }
}
