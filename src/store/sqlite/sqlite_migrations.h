// The numbered schema migrations of the SQLite backend. Internal to the SQLite backend.
//
// Migrations are append-only: once released, a migration's SQL never changes; a schema change
// is a new entry with the next version. Each script is constant DDL (no values).
#pragma once

#include <span>

namespace privacyd {

struct SqliteMigration {
  int version;      // 1, 2, 3... in order, without gaps
  const char* sql;  // one or more statements, applied in one transaction
};

// All known migrations in version order.
std::span<const SqliteMigration> SqliteMigrations();

}  // namespace privacyd
