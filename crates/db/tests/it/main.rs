//! Integration tests of rollproof-db. Every test in `backend_tests!` runs twice, as
//! `<name>::postgres` (a fresh database on the server of `ROLLPROOF_TEST_PG_URL`; fails when it
//! is unset: run `export ROLLPROOF_TEST_PG_URL=$(scripts/postgres.sh)`) and `<name>::sqlite` (a
//! fresh temp file).

mod claim;
mod common;
mod lifecycle;
mod misc;
mod proofs;
mod rows;
mod schema;
