import Foundation
import HosoCore
import HosoHub
import HosoIndex
import HosoPostgres
import HosoPostgresIndex
import HosoStore
import HosoTestSupport
import PostgresNIO
import Testing

/// A hub database of the test's own on the shared cluster, set up by `hoso hub init`'s logic with roles of its own
/// (role names are cluster-wide); dropped with its roles afterwards.
final class InitializedHub {
    let cluster: PostgresCluster
    let database: String
    let roles: HubSetup.Roles
    let admin: BlockingPostgresClient
    let folder = TempDirectory("hubinit")
    var clients: [BlockingPostgresClient] = []

    init(schema: HubSchema = .province) throws {
        cluster = try PostgresCluster.shared()
        let url = try cluster.createDatabase()
        database = String(url.split(separator: "/").last!)
        roles = HubSetup.Roles(owner: database + "_owner", application: database + "_app", reader: database + "_reader")
        admin = try BlockingPostgresClient(url)
        _ = try initialize(schema)
    }

    func initialize(_ schema: HubSchema = .province) throws -> HubSetup.Report {
        try HubSetup.initialize(
            client: admin, schema: schema, roles: roles, applicationPassword: "mật khẩu ứng dụng", readerPassword: "chỉ đọc")
    }

    /// A client logged in as `role` (trust authentication on the test cluster's loopback).
    func client(_ role: String, database db: String? = nil) throws -> BlockingPostgresClient {
        let c = try BlockingPostgresClient("postgres://\(role)@127.0.0.1:\(cluster.primaryPort)/\(db ?? database)")
        clients.append(c)
        return c
    }

    /// Who owns what and who may do what, as the catalogs say, and the roles' settings and stored passwords.
    func catalogState() throws -> String {
        let tables = try cluster.psql(
            """
            SELECT c.relname || ' ' || pg_get_userbyid(c.relowner) || ' ' || coalesce(c.relacl::text, '-')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S') ORDER BY c.relname
            """, database: database)
        let roleRows = try cluster.psql(
            """
            SELECT rolname || ' ' || rolcanlogin || ' ' || rolinherit || ' ' || coalesce(rolpassword, '-') || ' '
                || coalesce((SELECT array_agg(s ORDER BY s)::text FROM pg_db_role_setting d, unnest(d.setconfig) s
                             WHERE d.setrole = a.oid), '-')
            FROM pg_authid a WHERE rolname IN ('\(roles.owner)', '\(roles.application)', '\(roles.reader)') ORDER BY 1
            """)
        let migrations = try cluster.psql(
            "SELECT string_agg(name || applied_at, ',' ORDER BY name) FROM hoso_migrations", database: database)
        return [tables, roleRows, migrations].joined(separator: "\n")
    }

    deinit {
        for c in clients { c.close() }
        admin.close()
        _ = try? cluster.psql("DROP DATABASE \(database) WITH (FORCE)")
        for r in [roles.application, roles.reader, roles.owner] { _ = try? cluster.psql("DROP ROLE IF EXISTS \(r)") }
    }
}

/// The refusal PostgreSQL gives the role, whatever the statement.
private func refused(_ code: HosoError.Code, _ body: () throws -> Void) -> Bool {
    do {
        try body()
        return false
    } catch let e as HosoError {
        return e.code == code
    } catch {
        return false
    }
}

@Suite struct HubInitTests {
    @Test func initMakesTheRolesAndSchemaAndASecondRunChangesNothing() throws {
        let hub = try InitializedHub()
        // The first run (in InitializedHub) made three roles and applied every step as the owner.
        #expect(try hub.cluster.psql("SELECT count(*) FROM pg_roles WHERE rolname LIKE '\(hub.database)\\_%'") == "3")
        #expect(try hub.cluster.psql("SELECT rolcanlogin FROM pg_roles WHERE rolname = '\(hub.roles.owner)'") == "f")
        #expect(
            try hub.cluster.psql(
                "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relname IN ('hoso_objects', 'entry')",
                database: hub.database) == hub.roles.owner)
        let names = HubSchema.province.migrations.map(\.name)
        #expect(
            try hub.cluster.psql("SELECT string_agg(name, ',' ORDER BY name) FROM hoso_migrations", database: hub.database)
                == names.sorted().joined(separator: ","))
        // Every table the steps made has a class in HubSchema (a part's table without one would get no privileges).
        let made = try hub.cluster.psql(
            "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace",
            database: hub.database)
        #expect(made == (HubSchema.province.tables.map(\.name) + ["hoso_migrations"]).sorted().joined(separator: ","))
        // The password is stored as a SCRAM verifier (computed by hoso, never sent in clear).
        #expect(
            try hub.cluster.psql("SELECT rolpassword LIKE 'SCRAM-SHA-256$4096:%' FROM pg_authid WHERE rolname = '\(hub.roles.application)'")
                == "t")
        let before = try hub.catalogState()
        let again = try hub.initialize()
        #expect(again.rolesCreated.isEmpty && again.passwordsSet.isEmpty && again.migrationsApplied.isEmpty)
        #expect(try hub.catalogState() == before)
    }

    @Test func theApplicationRoleCannotRewriteOrDropHistoryYetTheStoreAndIndexWork() throws {
        let hub = try InitializedHub()
        let app = try hub.client(hub.roles.application)
        // At start an application server checks the schema: everything is applied, so no DDL is needed.
        let store = try PostgresObjectStore(client: app, stagingDirectory: hub.folder.path + "/staging")
        try store.migrate()
        let (obj, isNew) = try store.put(noise(1 << 20 + 5, seed: 3), kind: .blob)
        #expect(isNew)
        #expect(try store.put(noise(1 << 20 + 5, seed: 3), kind: .blob).1 == false)
        #expect(try store.read(obj.id, limit: 4 << 20) == noise(1 << 20 + 5, seed: 3))
        #expect(try store.fsck().isClean)

        let index = try PostgresIndex(client: app)
        try index.record(
            objects: [obj], manifest: ManifestRow(id: obj.id.hex, addedAt: "2026-12-07T10:00:00Z"),
            names: [
                NameRow(manifestId: obj.id.hex, objectId: obj.id.hex, path: "so-goc/1.pdf", size: 5)
            ])
        try index.record(
            revisions: [
                RevisionRow(
                    id: "r1", recordType: "ledger", recordId: "L1", author: "Cô Hà", time: "2026-12-07T10:00:00Z", reason: nil, parents: [])
            ], objects: [], refs: [[]])
        let entry = EntryRow(
            revisionId: "r1", recordId: "L1", stt: 1, fullName: "Nguyễn Văn An", nameKey: "nguyen van an", dateOfBirth: "2004-03-15",
            placeOfBirth: "Xã Tân Lập", placeKey: "xa tan lap", sex: "Nam", ethnicity: "Kinh", graduationGrade: "Khá",
            serial: "A1", ledgerNumber: 1, year: 2019, school: "Trường THCS Tân Lập", schoolKey: "truong thcs tan lap",
            issuer: "Phòng GD&ĐT", citizenId: nil, moetId: nil, page: nil)
        try index.replaceEntries(ofRecord: "L1", with: [entry])  // DELETE and INSERT (a serial id) on derived rows
        try index.replaceEntries(ofRecord: "L1", with: [entry])
        #expect(try index.entryCount() == 1)
        try index.setCommittedSequence(4)
        try index.setCommittedSequence(5)  // UPDATE on a working table
        #expect(try index.committedSequence() == 5)
        #expect(try index.object(obj.id)?.id == obj.id.hex)

        // History stays as it was written: PostgreSQL itself refuses the application role.
        let key = "'\\x\(obj.id.hex)'"
        for sql in [
            "UPDATE hoso_objects SET size = 0 WHERE id = \(key)",
            "UPDATE hoso_object_chunks SET bytes = '\\x00'",
            "DELETE FROM hoso_objects WHERE id = \(key)",
            "DELETE FROM hoso_object_chunks",
            "TRUNCATE hoso_objects",
            "TRUNCATE entry",
            "DROP TABLE hoso_object_chunks",
            "DROP TABLE entry",
            "ALTER TABLE hoso_objects ADD COLUMN x int",
            "CREATE TABLE hoso_extra (x int)",
            "DELETE FROM hoso_migrations",
        ] {
            #expect(refused(.postgresPermissionDenied) { try app.query(PostgresQuery(unsafeSQL: sql)) }, "\(sql)")
        }
        #expect(try store.read(obj.id, limit: 4 << 20) == noise(1 << 20 + 5, seed: 3))
        #expect(try hub.cluster.psql("SELECT count(*) FROM hoso_object_chunks", database: hub.database) == "2")
    }

    @Test func theReaderRoleOnlyReads() throws {
        let hub = try InitializedHub()
        let app = try hub.client(hub.roles.application)
        let store = try PostgresObjectStore(client: app, stagingDirectory: hub.folder.path + "/staging")
        let (obj, _) = try store.put(Array("học bạ".utf8), kind: .record)
        let reader = try hub.client(hub.roles.reader)
        let readerStore = try PostgresObjectStore(client: reader, stagingDirectory: hub.folder.path + "/staging-r")
        try readerStore.migrate()
        #expect(try readerStore.read(obj.id) == Array("học bạ".utf8))
        #expect(try readerStore.fsck().isClean)
        // Read-only transactions by default, and no privilege either when a session turns that off.
        #expect(refused(.postgresReadOnly) { _ = try readerStore.put(Array("x".utf8), kind: .record) })
        try reader.withConnection { c in
            try c.execute("SET default_transaction_read_only = off")
            for sql in ["INSERT INTO store_state VALUES ('commit', 1)", "DELETE FROM entry", "UPDATE hoso_objects SET size = 0"] {
                #expect(refused(.postgresPermissionDenied) { try c.execute(PostgresQuery(unsafeSQL: sql)) }, "\(sql)")
            }
        }
    }

    @Test func anApplicationServerBeforeInitIsToldToRunIt() throws {
        // Only the store's part was set up: the index's steps are missing, and the application role cannot add them.
        let hub = try InitializedHub(schema: HubSchema([PostgresObjectStore.hubPart]))
        let app = try hub.client(hub.roles.application)
        let e = #expect(throws: HosoError.self) { try PostgresIndex(client: app) }
        #expect(e?.code == .postgresSchemaOutdated)
        #expect(e?.cause?.contains("index-1") == true)
        // A database with nothing in it at all: not even the record of migrations.
        let empty = try hub.cluster.createDatabase()
        let emptyName = String(empty.split(separator: "/").last!)
        defer { _ = try? hub.cluster.psql("DROP DATABASE \(emptyName) WITH (FORCE)") }
        let bare = try hub.client(hub.roles.application, database: emptyName)
        let store = try PostgresObjectStore(client: bare, stagingDirectory: hub.folder.path + "/staging")
        #expect(throws: HosoError(.postgresSchemaOutdated, .both("", ""))) { try store.migrate() }
        // Then init adds the missing part, and the same server starts.
        let report = try hub.initialize()
        // Every part's steps but the store's, which were there already.
        let missing = HubSchema.province.parts.filter { $0.name != PostgresObjectStore.hubPart.name }.flatMap { $0.migrations.map(\.name) }
        #expect(report.migrationsApplied == missing && missing.contains("index-1"))
        _ = try PostgresIndex(client: app)
    }

    @Test func scramVerifiersMatchPostgreSQLsOwn() throws {
        // PostgreSQL computes the verifier when given a password in clear; with its salt, ours must be the same.
        let pg = try PostgresCluster.shared()
        let role = "t_scram_" + UUID().uuidString.prefix(8).lowercased()
        try pg.psql("SET password_encryption = 'scram-sha-256'; CREATE ROLE \(role) PASSWORD 'Mật khẩu 1'")
        defer { _ = try? pg.psql("DROP ROLE \(role)") }
        let theirs = try pg.psql("SELECT rolpassword FROM pg_authid WHERE rolname = '\(role)'")
        let salt = try #require(Data(base64Encoded: String(theirs.split(separator: "$")[1].split(separator: ":")[1])))
        #expect(HubSetup.scramVerifier(password: "Mật khẩu 1", salt: Array(salt)) == theirs)
    }
}
