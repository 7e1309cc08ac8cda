// A thin RAII wrapper of SQLite's C API: a connection, prepared statements, and errors that say
// which file and what SQLite said. Nothing of SQL is interpreted here.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace bridge::sqlite {

class Error : public std::runtime_error {
public:
    Error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
    int code() const { return code_; }  // SQLite's primary result code (SQLITE_FULL, SQLITE_NOTADB...)

private:
    int code_;
};

class Statement {
public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters are numbered from 1, as in SQLite.
    Statement& bind(int i, std::int64_t value);
    Statement& bind(int i, double value);
    Statement& bind(int i, std::string_view value);
    Statement& bind(int i, std::optional<double> value);
    Statement& bind(int i, std::optional<std::int64_t> value);
    // The next row: true while there is one; false when done. Throws on an error.
    bool step();
    // step() for a statement that returns no rows, then ready to be bound again.
    void run();
    void reset();

    // Columns are numbered from 0, as in SQLite.
    bool is_null(int i) const;
    std::int64_t integer(int i) const;
    double real(int i) const;
    std::optional<double> optional_real(int i) const;
    std::optional<std::int64_t> optional_integer(int i) const;
    std::string text(int i) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

class Database {
public:
    enum class Mode { read_write_create, read_only };
    // Throws Error naming `path` when the file cannot be opened.
    Database(const std::string& path, Mode mode);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(std::string_view sql);
    Statement prepare(std::string_view sql) { return Statement(db_, sql); }
    const std::string& path() const { return path_; }

    // BEGIN IMMEDIATE ... COMMIT; rolled back when the scope is left before commit().
    class Transaction {
    public:
        explicit Transaction(Database& db);
        ~Transaction();
        Transaction(const Transaction&) = delete;
        Transaction& operator=(const Transaction&) = delete;
        void commit();

    private:
        Database& db_;
        bool open_ = true;
    };

private:
    std::string path_;
    sqlite3* db_ = nullptr;
};

}  // namespace bridge::sqlite
