#include "bridge/ledger/sqlite.hpp"

#include <sqlite3.h>

namespace bridge::sqlite {
namespace {

[[noreturn]] void fail(sqlite3* db, int code, std::string_view what) {
    std::string message(what);
    message += ": ";
    message += db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    throw Error(code & 0xFF, message);
}

}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, "preparing a statement");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int i, std::int64_t value) {
    if (const int rc = sqlite3_bind_int64(stmt_, i, value); rc != SQLITE_OK) fail(db_, rc, "binding a value");
    return *this;
}

Statement& Statement::bind(int i, double value) {
    if (const int rc = sqlite3_bind_double(stmt_, i, value); rc != SQLITE_OK) fail(db_, rc, "binding a value");
    return *this;
}

Statement& Statement::bind(int i, std::string_view value) {
    const int rc = sqlite3_bind_text(stmt_, i, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) fail(db_, rc, "binding a value");
    return *this;
}

Statement& Statement::bind(int i, std::optional<double> value) {
    if (value) return bind(i, *value);
    if (const int rc = sqlite3_bind_null(stmt_, i); rc != SQLITE_OK) fail(db_, rc, "binding a value");
    return *this;
}

Statement& Statement::bind(int i, std::optional<std::int64_t> value) {
    if (value) return bind(i, *value);
    if (const int rc = sqlite3_bind_null(stmt_, i); rc != SQLITE_OK) fail(db_, rc, "binding a value");
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3_reset(stmt_);
    fail(db_, rc, "running a statement");
}

void Statement::run() {
    step();
    reset();
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
std::int64_t Statement::integer(int i) const { return sqlite3_column_int64(stmt_, i); }
double Statement::real(int i) const { return sqlite3_column_double(stmt_, i); }
std::optional<double> Statement::optional_real(int i) const {
    return is_null(i) ? std::nullopt : std::optional<double>(real(i));
}
std::optional<std::int64_t> Statement::optional_integer(int i) const {
    return is_null(i) ? std::nullopt : std::optional<std::int64_t>(integer(i));
}
std::string Statement::text(int i) const {
    const auto* p = sqlite3_column_text(stmt_, i);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
             : std::string();
}

Database::Database(const std::string& path, Mode mode) : path_(path) {
    const int flags = mode == Mode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = sqlite3_errmsg(db_);
        sqlite3_close(db_);
        db_ = nullptr;
        throw Error(rc & 0xFF, message);
    }
    // A reader meets the daemon's writes now and then: wait for them rather than fail.
    sqlite3_busy_timeout(db_, 5000);
    sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() { sqlite3_close(db_); }

void Database::exec(std::string_view sql) {
    const std::string text(sql);
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc, "running SQL");
}

Database::Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Database::Transaction::~Transaction() {
    if (open_) sqlite3_exec(db_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Database::Transaction::commit() {
    db_.exec("COMMIT");
    open_ = false;
}

}  // namespace bridge::sqlite
