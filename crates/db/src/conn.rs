//! The one place that talks to sqlx: a connection of either backend ([`Conn`]), query arguments
//! ([`Arg`], [`args!`]) and typed row access ([`DbRow`], [`FromDbRow`]).
//!
//! Every data-access function is written once against these types; only the calls into sqlx
//! below are per backend (a two-arm `match`), because sqlx's query types are per database.

use chrono::NaiveDateTime;
use rollproof_primitives::{B256, U256};
use sqlx::{
    postgres::PgRow, sqlite::SqliteRow, Arguments, Column, Database, Decode, Encode, PgConnection,
    Postgres, Row, Sqlite, SqliteConnection, Type, TypeInfo,
};
use uuid::Uuid;

use crate::{
    error::{Error, Result},
    Backend,
};

/// One bound query parameter. Integers are bound as `BIGINT` (PostgreSQL casts them on
/// assignment to `SMALLINT`/`INTEGER` columns and compares across integer widths).
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
    Time(Option<NaiveDateTime>),
    Uuid(Uuid),
    /// A whole column of a batch as one PostgreSQL array (see [`List`]).
    List(List),
}

/// A column of a batch bound as ONE PostgreSQL array parameter (`$n::bigint[]`, `$n::text[]`,
/// `$n::bytea[]`, `$n::uuid[]`), to be expanded with `unnest`: a batched statement then has
/// the same text whatever the batch size, so each connection prepares it once and the server
/// does not plan it anew for every size (planning a statement built per batch cost as much as
/// running it). SQLite has no arrays: statements taking one are PostgreSQL-only.
#[derive(Debug, Clone)]
pub(crate) enum List {
    Int(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
    Bytes(Vec<Option<Vec<u8>>>),
    Uuid(Vec<Uuid>),
}

impl List {
    /// A text column of hashes (in their database form).
    pub(crate) fn hashes<'a>(hashes: impl IntoIterator<Item = &'a B256>) -> Self {
        List::Text(hashes.into_iter().map(|h| Some(hash_to_text(h))).collect())
    }

    /// The list as one argument per value (for SQLite's `IN (…)`).
    fn into_args(self) -> Vec<Arg> {
        match self {
            List::Int(v) => v.into_iter().map(Arg::Int).collect(),
            List::Text(v) => v.into_iter().map(Arg::Text).collect(),
            List::Bytes(v) => v.into_iter().map(Arg::Bytes).collect(),
            List::Uuid(v) => v.into_iter().map(Arg::Uuid).collect(),
        }
    }

    fn len(&self) -> usize {
        match self {
            List::Int(v) => v.len(),
            List::Text(v) => v.len(),
            List::Bytes(v) => v.len(),
            List::Uuid(v) => v.len(),
        }
    }
}

/// Converts a Rust value into a query parameter.
pub(crate) trait IntoArg {
    fn into_arg(self) -> Arg;
}

macro_rules! into_arg {
    ($($ty:ty => |$v:ident| $e:expr;)+) => {
        $(impl IntoArg for $ty {
            fn into_arg(self) -> Arg {
                let $v = self;
                $e
            }
        })+
    };
}

into_arg! {
    i64 => |v| Arg::Int(Some(v));
    Option<i64> => |v| Arg::Int(v);
    i32 => |v| Arg::Int(Some(v.into()));
    u32 => |v| Arg::Int(Some(v.into()));
    u8 => |v| Arg::Int(Some(v.into()));
    String => |v| Arg::Text(Some(v));
    &str => |v| Arg::Text(Some(v.to_owned()));
    &String => |v| Arg::Text(Some(v.clone()));
    Option<String> => |v| Arg::Text(v);
    Vec<u8> => |v| Arg::Bytes(Some(v));
    &[u8] => |v| Arg::Bytes(Some(v.to_vec()));
    &Vec<u8> => |v| Arg::Bytes(Some(v.clone()));
    Option<Vec<u8>> => |v| Arg::Bytes(v);
    Option<&Vec<u8>> => |v| Arg::Bytes(v.cloned());
    NaiveDateTime => |v| Arg::Time(Some(v));
    Option<NaiveDateTime> => |v| Arg::Time(v);
    Uuid => |v| Arg::Uuid(v);
    B256 => |v| Arg::Text(Some(hash_to_text(&v)));
    &B256 => |v| Arg::Text(Some(hash_to_text(v)));
    Option<B256> => |v| Arg::Text(v.as_ref().map(hash_to_text));
    List => |v| Arg::List(v);
}

/// Status enums are bound by their numeric value.
macro_rules! enum_into_arg {
    ($($ty:ident),+) => {
        $(impl IntoArg for rollproof_primitives::$ty {
            fn into_arg(self) -> Arg {
                Arg::Int(Some(self.as_i16().into()))
            }
        })+
    };
}

enum_into_arg!(
    TaskType,
    ProvingStatus,
    ProofsReadyStatus,
    RollupStatus,
    ProverTaskStatus,
    ProverTaskFailureType
);

/// Builds a `Vec<Arg>` from values implementing [`IntoArg`].
macro_rules! args {
    ($($v:expr),* $(,)?) => {
        vec![$($crate::conn::IntoArg::into_arg($v)),*]
    };
}
pub(crate) use args;

/// `$first, $first+1, …` (`count` placeholders), for `IN (…)` lists.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The text form of a hash in the database: `0x` + 64 lowercase hex digits.
pub(crate) fn hash_to_text(hash: &B256) -> String {
    format!("{hash:#x}")
}

/// `u64` -> `BIGINT`, refusing values above `i64::MAX`.
pub(crate) fn to_i64(value: u64, column: &'static str) -> Result<i64> {
    i64::try_from(value).map_err(|_| Error::InvalidValue {
        column,
        reason: format!("{value} does not fit in a signed 64-bit column"),
    })
}

/// How a backend binds a [`List`].
trait BindList: Database {
    fn add_list(out: &mut <Self as Database>::Arguments<'_>, list: List) -> Result<()>;
}

impl BindList for Postgres {
    fn add_list(out: &mut <Self as Database>::Arguments<'_>, list: List) -> Result<()> {
        match list {
            List::Int(v) => out.add(v),
            List::Text(v) => out.add(v),
            List::Bytes(v) => out.add(v),
            List::Uuid(v) => out.add(v),
        }
        .map_err(|e| Error::Sqlx(sqlx::Error::Encode(e)))
    }
}

impl BindList for Sqlite {
    fn add_list(_: &mut <Self as Database>::Arguments<'_>, _: List) -> Result<()> {
        Err(Error::InvalidValue {
            column: "(parameter)",
            reason: "array parameters are PostgreSQL-only (an SQLite path bound one)".into(),
        })
    }
}

/// Binds every argument into the backend's argument buffer.
fn build_args<'q, DB>(args: Vec<Arg>) -> Result<<DB as Database>::Arguments<'q>>
where
    DB: BindList,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    Option<Vec<u8>>: Encode<'q, DB> + Type<DB>,
    Option<NaiveDateTime>: Encode<'q, DB> + Type<DB>,
    Uuid: Encode<'q, DB> + Type<DB>,
{
    let mut out = <DB as Database>::Arguments::<'q>::default();
    for arg in args {
        let added = match arg {
            Arg::Int(v) => out.add(v),
            Arg::Text(v) => out.add(v),
            Arg::Bytes(v) => out.add(v),
            Arg::Time(v) => out.add(v),
            Arg::Uuid(v) => out.add(v),
            Arg::List(v) => {
                DB::add_list(&mut out, v)?;
                Ok(())
            }
        };
        added.map_err(|e| Error::Sqlx(sqlx::Error::Encode(e)))?;
    }
    Ok(out)
}

/// SQL that differs between the backends.
impl Backend {
    /// The condition "`column` is one of `values`", its parameters numbered from `$first`:
    /// `column = ANY($first)` over one array on PostgreSQL (the same statement text for any
    /// number of values), `column IN ($first, …)` on SQLite. An empty list matches nothing.
    pub(crate) fn any_of(self, column: &str, first: usize, values: List) -> (String, Vec<Arg>) {
        match self {
            Backend::Postgres => (format!("{column} = ANY(${first})"), vec![Arg::List(values)]),
            Backend::Sqlite if values.len() == 0 => ("1 = 0".into(), Vec::new()),
            Backend::Sqlite => {
                let list = placeholders(first, values.len());
                (format!("{column} IN ({list})"), values.into_args())
            }
        }
    }
}

/// A borrowed connection of either backend.
pub(crate) enum Conn<'a> {
    Pg(&'a mut PgConnection),
    Sqlite(&'a mut SqliteConnection),
}

impl Conn<'_> {
    /// A shorter-lived copy of this borrow.
    pub(crate) fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Conn::Pg(c) => Conn::Pg(c),
            Conn::Sqlite(c) => Conn::Sqlite(c),
        }
    }

    /// Which database this connection talks to (for the few dialect differences).
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Conn::Pg(_) => Backend::Postgres,
            Conn::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// `" FOR UPDATE"` on PostgreSQL (row lock until commit), `""` on SQLite (the write
    /// transaction already holds the database lock).
    pub(crate) fn for_update(&self) -> &'static str {
        match self.backend() {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }

    /// `" FOR UPDATE SKIP LOCKED"` on PostgreSQL (concurrent claimers skip each other's rows),
    /// `""` on SQLite.
    pub(crate) fn skip_locked(&self) -> &'static str {
        match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        }
    }

    /// Runs a statement; returns the number of rows it changed.
    pub(crate) async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64> {
        let done = match self {
            Conn::Pg(c) => sqlx::query_with(sql, build_args::<Postgres>(args)?)
                .execute(&mut **c)
                .await?
                .rows_affected(),
            Conn::Sqlite(c) => sqlx::query_with(sql, build_args::<Sqlite>(args)?)
                .execute(&mut **c)
                .await?
                .rows_affected(),
        };
        Ok(done)
    }

    /// Runs a query and decodes every row.
    pub(crate) async fn fetch_all<T: FromDbRow>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<T>> {
        match self {
            Conn::Pg(c) => {
                let rows = sqlx::query_with(sql, build_args::<Postgres>(args)?)
                    .fetch_all(&mut **c)
                    .await?;
                rows.iter().map(|r| T::from_row(&DbRow::Pg(r))).collect()
            }
            Conn::Sqlite(c) => {
                let rows = sqlx::query_with(sql, build_args::<Sqlite>(args)?)
                    .fetch_all(&mut **c)
                    .await?;
                rows.iter()
                    .map(|r| T::from_row(&DbRow::Sqlite(r)))
                    .collect()
            }
        }
    }

    /// Runs a query and decodes its first row, if any.
    pub(crate) async fn fetch_optional<T: FromDbRow>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>> {
        match self {
            Conn::Pg(c) => {
                let row = sqlx::query_with(sql, build_args::<Postgres>(args)?)
                    .fetch_optional(&mut **c)
                    .await?;
                row.map(|r| T::from_row(&DbRow::Pg(&r))).transpose()
            }
            Conn::Sqlite(c) => {
                let row = sqlx::query_with(sql, build_args::<Sqlite>(args)?)
                    .fetch_optional(&mut **c)
                    .await?;
                row.map(|r| T::from_row(&DbRow::Sqlite(&r))).transpose()
            }
        }
    }

    /// Runs a query that returns exactly one row.
    pub(crate) async fn fetch_one<T: FromDbRow>(&mut self, sql: &str, args: Vec<Arg>) -> Result<T> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(Error::Sqlx(sqlx::Error::RowNotFound))
    }
}

/// A result row of either backend, with typed getters.
pub(crate) enum DbRow<'r> {
    Pg(&'r PgRow),
    Sqlite(&'r SqliteRow),
}

/// Decodes a Rust value from a [`DbRow`].
pub(crate) trait FromDbRow: Sized {
    fn from_row(row: &DbRow<'_>) -> Result<Self>;
}

/// A value decodable from both backends.
trait Both:
    for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite>
{
}
impl<T> Both for T where
    T: for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite>
{
}

impl DbRow<'_> {
    fn get<T: Both>(&self, column: &str) -> Result<T> {
        Ok(match self {
            DbRow::Pg(r) => r.try_get(column)?,
            DbRow::Sqlite(r) => r.try_get(column)?,
        })
    }

    /// Any integer column (`SMALLINT`, `INTEGER`, `BIGINT`), widened to `i64`. PostgreSQL decodes
    /// integers only into their exact width, so the column's declared type picks the decoder.
    pub(crate) fn opt_int(&self, column: &str) -> Result<Option<i64>> {
        match self {
            DbRow::Pg(r) => {
                let ty = r.try_column(column)?.type_info().name().to_owned();
                Ok(match ty.as_str() {
                    "INT2" => r.try_get::<Option<i16>, _>(column)?.map(i64::from),
                    "INT4" => r.try_get::<Option<i32>, _>(column)?.map(i64::from),
                    _ => r.try_get::<Option<i64>, _>(column)?,
                })
            }
            DbRow::Sqlite(r) => Ok(r.try_get::<Option<i64>, _>(column)?),
        }
    }

    /// A non-null integer column.
    pub(crate) fn int(&self, column: &'static str) -> Result<i64> {
        self.opt_int(column)?.ok_or_else(|| null(column))
    }

    /// A non-null, non-negative integer column.
    pub(crate) fn u64(&self, column: &'static str) -> Result<u64> {
        let v = self.int(column)?;
        u64::try_from(v).map_err(|_| negative(column, v))
    }

    /// A non-null integer column that fits in `u32`.
    pub(crate) fn u32(&self, column: &'static str) -> Result<u32> {
        let v = self.int(column)?;
        u32::try_from(v).map_err(|_| Error::InvalidValue {
            column,
            reason: format!("{v} is not a u32"),
        })
    }

    /// A nullable integer column that fits in `u32`.
    pub(crate) fn opt_u32(&self, column: &'static str) -> Result<Option<u32>> {
        self.opt_int(column)?
            .map(|v| {
                u32::try_from(v).map_err(|_| Error::InvalidValue {
                    column,
                    reason: format!("{v} is not a u32"),
                })
            })
            .transpose()
    }

    /// A non-null integer column that fits in `u16`.
    pub(crate) fn u16(&self, column: &'static str) -> Result<u16> {
        let v = self.int(column)?;
        u16::try_from(v).map_err(|_| Error::InvalidValue {
            column,
            reason: format!("{v} is not a u16"),
        })
    }

    /// A status column holding one of the primitives' integer-coded enums.
    pub(crate) fn status<E>(&self, column: &'static str) -> Result<E>
    where
        E: TryFrom<i64, Error = rollproof_primitives::InvalidEnumValue>,
    {
        E::try_from(self.int(column)?).map_err(|source| Error::InvalidEnum { column, source })
    }

    pub(crate) fn text(&self, column: &'static str) -> Result<String> {
        self.opt_text(column)?.ok_or_else(|| null(column))
    }

    pub(crate) fn opt_text(&self, column: &str) -> Result<Option<String>> {
        self.get(column)
    }

    pub(crate) fn bytes(&self, column: &'static str) -> Result<Vec<u8>> {
        self.opt_bytes(column)?.ok_or_else(|| null(column))
    }

    pub(crate) fn opt_bytes(&self, column: &str) -> Result<Option<Vec<u8>>> {
        self.get(column)
    }

    pub(crate) fn time(&self, column: &'static str) -> Result<NaiveDateTime> {
        self.opt_time(column)?.ok_or_else(|| null(column))
    }

    pub(crate) fn opt_time(&self, column: &str) -> Result<Option<NaiveDateTime>> {
        self.get(column)
    }

    pub(crate) fn uuid(&self, column: &'static str) -> Result<Uuid> {
        self.get(column)
    }

    /// A hash column (`0x` + 64 hex digits).
    pub(crate) fn hash(&self, column: &'static str) -> Result<B256> {
        parse_hash(column, &self.text(column)?)
    }

    /// A nullable hash column; `NULL` and `''` (the reference's "not set") are `None`.
    pub(crate) fn opt_hash(&self, column: &'static str) -> Result<Option<B256>> {
        match self.opt_text(column)? {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => parse_hash(column, &s).map(Some),
        }
    }

    /// A decimal number stored as text or `NUMERIC` and selected as text.
    pub(crate) fn u256(&self, column: &'static str) -> Result<U256> {
        let s = self.text(column)?;
        s.parse::<U256>().map_err(|e| Error::InvalidValue {
            column,
            reason: format!("{s:?} is not a 256-bit unsigned integer: {e}"),
        })
    }
}

fn parse_hash(column: &'static str, s: &str) -> Result<B256> {
    s.parse::<B256>().map_err(|e| Error::InvalidValue {
        column,
        reason: format!("{s:?} is not a 32-byte hex hash: {e}"),
    })
}

fn null(column: &'static str) -> Error {
    Error::InvalidValue {
        column,
        reason: "unexpected NULL".into(),
    }
}

fn negative(column: &'static str, v: i64) -> Error {
    Error::InvalidValue {
        column,
        reason: format!("{v} is negative"),
    }
}

/// The name of a row's first column.
fn first_column(row: &DbRow<'_>) -> Result<String> {
    let name = match row {
        DbRow::Pg(r) => r.columns().first().map(|c| c.name().to_owned()),
        DbRow::Sqlite(r) => r.columns().first().map(|c| c.name().to_owned()),
    };
    name.ok_or(Error::Sqlx(sqlx::Error::ColumnNotFound("0".into())))
}

/// A single non-null integer column (e.g. `COUNT(*)`).
impl FromDbRow for i64 {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        row.opt_int(&first_column(row)?)?
            .ok_or_else(|| null("(value)"))
    }
}

/// A single nullable integer column (e.g. `MAX(number)`).
impl FromDbRow for Option<i64> {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        row.opt_int(&first_column(row)?)
    }
}

/// A single hash column named `hash`.
pub(crate) struct HashRow(pub(crate) B256);

impl FromDbRow for HashRow {
    fn from_row(row: &DbRow<'_>) -> Result<Self> {
        row.hash("hash").map(HashRow)
    }
}
