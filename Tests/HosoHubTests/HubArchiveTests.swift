import Foundation
import HosoCore
import HosoHub
import HosoPostgres
import HosoRecords
import HosoStore
import HosoTestSupport
import Testing

@testable import HosoKit

/// Where an archive keeps its truth: the folder of a school or district, or the province hub's PostgreSQL.
enum ArchiveBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case folder, hub
    var testDescription: String { rawValue }
}

/// One archive of `backend` per test: a folder, or a hub on a database of its own on the shared cluster.
struct BackendArchive {
    let backend: ArchiveBackend
    let dir = TempDirectory()
    /// The hub's database URL (nil for a folder).
    let database: String?

    init(_ backend: ArchiveBackend) throws {
        self.backend = backend
        database = backend == .hub ? try PostgresCluster.shared().createDatabase() : nil
    }

    /// Makes the archive at `path` (for `OfficeArchiveFixture`).
    func create(_ path: String, _ clock: HosoClock) throws -> Archive {
        if let database { return try Hub.createHub(root: path, database: database, clock: clock) }
        return try Archive.create(at: path, clock: clock)
    }

    /// Opens the archive at `path` again (another instance: for the hub, another application server's).
    func open(_ path: String, clock: HosoClock) throws -> Archive {
        if let database { return try Hub.openHub(root: path, database: database, clock: clock) }
        return try Archive.open(at: path, clock: clock)
    }

    func fixture() throws -> OfficeArchiveFixture { try OfficeArchiveFixture(in: dir.path, create: create) }

    /// The database's name, for psql.
    var databaseName: String? { database.map { String($0.split(separator: "/").last!) } }

    /// Flips a byte of an object's stored payload, under the archive's nose.
    func damage(_ id: ObjectID, in a: Archive) throws {
        if let files = a.files {
            let path = files.path(of: id)
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            bytes[bytes.count - 1] ^= 0x01
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        } else {
            _ = try PostgresCluster.shared().psql(
                """
                UPDATE hoso_object_chunks SET bytes = set_byte(bytes, 0, (get_byte(bytes, 0) + 1) % 256)
                WHERE id = '\\x\(id.hex)' AND n = 0
                """, database: databaseName!)
        }
    }
}

/// A small ledger spreadsheet with its mapping and one page scan.
func writeLedger(in dir: TempDirectory) -> (csv: String, mapping: String) {
    let header = "STT;Họ và tên;Ngày sinh;Nơi sinh;Giới tính;Dân tộc;Xếp loại TN;Số hiệu VB;Số vào sổ;Trang"
    let rows = [
        "1;Nguyễn Văn An;15/03/2004;Xã Tân Lập;Nam;Kinh;Khá;A0012345;1;1",
        "2;Trần Thị Bích Ngọc;02/11/2004;Xã Tân Lập;Nữ;Tày;Giỏi;A0012346;2;1",
    ]
    dir.write("l/ledger.csv", ([header] + rows).joined(separator: "\r\n") + "\r\n")
    dir.write(
        "l/mapping.json",
        """
        {"format":"hoso/ledger-mapping","version":1,"recordId":"PGD-TL/THCS/2019/TL",
         "ledger":{"issuer":"Phòng Giáo dục và Đào tạo huyện Tân Lập","title":"SỔ GỐC CẤP BẰNG TỐT NGHIỆP THCS","level":"THCS",
           "decision":{"number":"123/QĐ-PGDĐT","date":"2019-06-15"},"year":2019,"school":"Trường THCS Tân Lập",
           "mode":"Giáo dục chính quy"},
         "columns":{"stt":"STT","fullName":"Họ và tên","dateOfBirth":"Ngày sinh","placeOfBirth":"Nơi sinh","sex":"Giới tính",
           "ethnicity":"Dân tộc","graduationGrade":"Xếp loại TN","serial":"Số hiệu VB","ledgerNumber":"Số vào sổ","page":"Trang"},
         "dateFormat":"dd/MM/yyyy","scans":"scans"}
        """)
    dir.write("l/scans/page-001.png", noise(20_000, seed: 7))
    return (dir.path + "/l/ledger.csv", dir.path + "/l/mapping.json")
}

/// The archive's workflows, run alike on a folder and on the hub.
@Suite struct HubArchiveTests {
    static func request(_ a: Archive, serial: String = "Số 001234/BT", holder: String = "Lò Thị Mai") throws -> String {
        try a.newRequest(
            .init(kind: .copy, requesterName: holder, relation: .holder, holderName: holder, serial: serial, channel: .inPerson),
            clerk: "vanthu"
        ).id
    }

    @Test(arguments: ArchiveBackend.allCases) func workflowsAnswerAlike(_ backend: ArchiveBackend) throws {
        let b = try BackendArchive(backend)
        let s = try b.fixture()
        let a = s.archive
        #expect((a.files == nil) == (backend == .hub))

        // A ledger imported, with its page scan.
        let (csv, mapping) = writeLedger(in: b.dir)
        let r = try a.importLedger(file: csv, mapping: mapping, dryRun: false, reason: nil, author: "cán bộ VB")
        #expect(r.committed && r.errors.isEmpty && r.entries == 2)
        var q = Archive.FindRequest()
        q.name = "nguyen van an"
        let found = try a.find(q)
        #expect(found.map(\.serial) == ["A0012345"])

        // A certified copy issued and verified.
        let issued = try a.issueCopy(entryRef: "Số 001234/BT", requestId: try Self.request(a), signer: s.office, clerk: "vanthu")
        #expect(issued.register.printedNumber.hasPrefix("1/"))
        let report = try a.verifyCopy(pdf: issued.pdf)
        #expect(report.indication == "PASSED", "\(report.reasons) \(report.messages)")

        // Reindexing gives the same answers.
        let listed = try a.list().map(\.id)
        let heads = try a.heads(record: "PGD-TL/THCS/2019/TL")
        let rebuilt = try a.reindex()
        #expect(rebuilt.objects == listed.count && rebuilt.skipped.isEmpty)
        #expect(try a.list().map(\.id) == listed)
        #expect(try a.find(q) == found)
        #expect(try a.heads(record: "PGD-TL/THCS/2019/TL") == heads)
        #expect(try a.copyRegister().count == 1)

        // fsck: clean, then the damage of one scan found.
        let clean = try a.fsck()
        #expect(clean.ok && clean.damaged.isEmpty && clean.objects == listed.count, "\(clean.damaged) \(clean.missing)")
        let scan = try #require(try a.list(kind: .blob).first.flatMap { ObjectID(hex: $0.id) })
        try b.damage(scan, in: a)
        let damaged = try a.fsck()
        #expect(!damaged.ok && damaged.damaged.count == 1 && damaged.damaged.first?.path.contains(scan.hex) == true)
        #expect(try a.verifyLog().size > 0)
    }

    @Test func hubWriteStoppedBetweenObjectsAndIndexIsCaughtUpAtOpen() throws {
        let b = try BackendArchive(.hub)
        let root = b.dir.path + "/a"
        let a = try b.create(root, .system)
        // A write that stopped after its object and its write number, before its index rows: done by hand.
        let client = try BlockingPostgresClient(b.database!)
        defer { client.close() }
        let objects = try PostgresObjectStore(client: client, stagingDirectory: b.dir.path + "/other-staging")
        let marker = try PostgresWriteNumber(client: client)
        let before = try #require(try marker.read())
        #expect(try marker.advance(above: before) == before + 1)
        let (lost, new) = try objects.put(Array("một tệp bị bỏ dở".utf8), kind: .blob)
        #expect(new)
        #expect(try !a.index.allIDs().contains(lost.id.hex))

        let again = try b.open(root, clock: .system)
        #expect(try again.index.allIDs().contains(lost.id.hex))
        #expect(try again.index.committedSequence() == before + 1)
        #expect(try again.info(lost.id).kind == "blob")
    }

    @Test func twoApplicationServersIssueCopiesAtOnce() throws {
        let b = try BackendArchive(.hub)
        let s = try b.fixture()
        // A second application server: its own folder, the same database.
        let root2 = b.dir.path + "/a2"
        try ArchiveConfig.create(at: root2, createdAt: HosoClock.format(Date()))
        let other = try b.open(root2, clock: .fixed(wholeSecondsNow()))
        let archives = [s.archive, other]
        let office = s.office
        let n = 6
        let requests = try (0..<n).map { i in
            try Self.request(
                archives[i % 2], serial: i % 2 == 0 ? "Số 001234/BT" : "Số 001235/BT", holder: i % 2 == 0 ? "Lò Thị Mai" : "Hoàng Văn Páo")
        }
        #expect(Set(requests).count == n)
        let results = Locked<[Result<Archive.IssuedCopyResult, any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: n) { i in
            let r = Result {
                try archives[i % 2].issueCopy(
                    entryRef: i % 2 == 0 ? "Số 001234/BT" : "Số 001235/BT", requestId: requests[i], signer: office, clerk: "vanthu")
            }
            results.withLock { $0.append(r) }
        }
        let issued = try results.withLock { $0 }.map { try $0.get() }
        #expect(Set(issued.map(\.register.copyNumber)) == Set(1...n))
        for a in archives {
            #expect(try a.copyRegister().count == n)
            #expect(try a.conflicts().isEmpty)
        }
        #expect(try other.fsck().ok)
    }
}
