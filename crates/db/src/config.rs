//! [`DbConfig`]: the reference's `db` config object (`{driver_name, dsn, maxOpenNum,
//! maxIdleNum}`), shared by the coordinator's and the rollup relayer's JSON configs.

use serde::{Deserialize, Serialize};

use crate::{Db, DbOptions, Result};

/// `db` / `db_config`: which database and how many connections.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DbConfig {
    /// `postgres` or `sqlite` (informational: the `dsn` decides).
    pub driver_name: String,
    /// The connection URL (`postgres://…`, `sqlite:…` or a file path).
    pub dsn: String,
    /// Pool size.
    #[serde(default = "default_max_open", alias = "maxOpenNum")]
    pub max_open_num: u32,
    /// Idle connections kept.
    #[serde(default = "default_max_idle", alias = "maxIdleNum")]
    pub max_idle_num: u32,
}

fn default_max_open() -> u32 {
    50
}
fn default_max_idle() -> u32 {
    20
}

impl DbConfig {
    /// The pool options this config describes.
    pub fn options(&self) -> DbOptions {
        DbOptions {
            max_connections: self.max_open_num,
            min_connections: self.max_idle_num.min(self.max_open_num),
            ..DbOptions::new(&self.dsn)
        }
    }

    /// Connects and applies the migrations.
    pub async fn connect(&self) -> Result<Db> {
        let db = Db::connect_with(&self.options()).await?;
        db.migrate().await?;
        Ok(db)
    }
}
