//! Shared fixtures of the coordinator's HTTP tests: configs with real verifier assets and a
//! genesis file, an in-process server on 127.0.0.1:0, and a prover client that signs its login.

#![allow(dead_code, unused_imports)]

use std::{
    path::{Path, PathBuf},
    sync::OnceLock,
};

use base64::{engine::general_purpose::STANDARD, Engine};
use k256::ecdsa::SigningKey;
use rollproof_coordinator::{auth::LoginMessage, config::Config, error::Envelope};
use rollproof_db::{prover_task, Db, Uuid};
use rollproof_libzkp::assets::{load_chunk_vk, AssetManifest};
use rollproof_primitives::ForkName;
use rollproof_zkvm::ProvingParams;
use serde_json::{json, Value};

pub use rollproof_coordinator::testing::{config_with, genesis, Server, CHAIN_ID};

/// The chunk assets of the current guest (default proving parameters) for both forks: built
/// once per machine (guest build + key generation), then reused from the target dir.
pub fn assets() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        rollproof_libzkp::testing::chunk_assets(
            &[ForkName::Galileo, ForkName::GalileoV2],
            ProvingParams::default(),
        )
        .expect("chunk assets (guest toolchain: source scripts/env.sh)")
    })
}

/// Galileo assets with another verifying key (the chunk guest with log stacked height 21; 19 is too small for its traces): a
/// "galileo-only" circuit for fork-routing tests.
pub fn other_galileo_assets() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        rollproof_libzkp::testing::chunk_assets(
            &[ForkName::Galileo],
            ProvingParams::new(21).unwrap(),
        )
        .expect("chunk assets")
    })
}

/// The base64 id of `fork`'s chunk verifying key in the assets root `root` (what a prover sends).
pub fn vk_base64(root: &Path, fork: ForkName) -> String {
    STANDARD.encode(rollproof_libzkp::verifier::vk_id(
        &load_chunk_vk(root, fork).unwrap(),
    ))
}

/// The manifest's ZK version of `fork` in `root`.
pub fn zk_version(root: &Path, fork: ForkName) -> String {
    AssetManifest::read(&root.join(fork.as_str()), fork)
        .unwrap()
        .zk_version
}

/// A prover version string carrying our ZK version.
pub fn version() -> String {
    format!(
        "v4.5.0-abcdef1-{}",
        zk_version(assets(), ForkName::GalileoV2)
    )
}

/// The default config: both forks from [`assets`], every block galileoV2.
pub fn config(dsn: &str) -> Config {
    config_with(
        dsn,
        &[
            (assets(), ForkName::Galileo),
            (assets(), ForkName::GalileoV2),
        ],
        &genesis(0, Some(0)),
    )
}

/// A prover client.
pub struct Prover {
    pub key: SigningKey,
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
    pub name: String,
    pub provider_type: u8,
    /// What it sends as `vks` at login (default: the galileoV2 key of [`assets`]).
    pub vks: Vec<String>,
    /// Its version string (default: [`version`]).
    pub version: String,
}

impl Prover {
    pub fn new(seed: u64, base: &str) -> Self {
        let mut bytes = [0u8; 32];
        bytes[0] = 1;
        bytes[24..].copy_from_slice(&seed.to_be_bytes());
        Self {
            key: SigningKey::from_slice(&bytes).unwrap(),
            http: reqwest::Client::new(),
            base: base.into(),
            token: String::new(),
            name: format!("prover-{seed}"),
            provider_type: 1,
            vks: vec![vk_base64(assets(), ForkName::GalileoV2)],
            version: version(),
        }
    }

    pub fn public_key(&self) -> String {
        hex::encode(self.key.verifying_key().to_sec1_bytes())
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Vec<u8>>,
    ) -> Envelope {
        let url = format!("{}/coordinator/v1/{path}", self.base);
        let mut req = if method == "GET" {
            self.http.get(url)
        } else {
            self.http.post(url)
        };
        if !token.is_empty() {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    pub async fn challenge(&self) -> String {
        let e = self.call("GET", "challenge", "", None).await;
        assert_eq!(e.errcode, 0, "{}", e.errmsg);
        e.data["token"].as_str().unwrap().to_string()
    }

    pub fn signed_login(
        &self,
        challenge: &str,
        version: &str,
        vks: &[String],
        signer: &SigningKey,
    ) -> Value {
        let message = LoginMessage {
            challenge: challenge.into(),
            prover_version: version.into(),
            prover_name: self.name.clone(),
            prover_provider_type: self.provider_type,
            prover_types: vec![1],
            vks: vks.to_vec(),
        };
        // Signed by `signer`, presented under this prover's key (forgery tests pass another).
        let mut request = rollproof_coordinator_wire::sign_login(message, signer);
        request.public_key = self.public_key();
        serde_json::to_value(request).unwrap()
    }

    pub async fn login_with(&self, bearer: &str, body: &Value) -> Envelope {
        self.call("POST", "login", bearer, Some(body.to_string().into_bytes()))
            .await
    }

    /// Logs in with `self.version` and `self.vks`; returns the login response.
    pub async fn try_login(&mut self) -> Envelope {
        let c = self.challenge().await;
        let body = self.signed_login(&c, &self.version, &self.vks, &self.key);
        let e = self.login_with(&c, &body).await;
        if e.errcode == 0 {
            self.token = e.data["token"].as_str().unwrap().to_string();
        }
        e
    }

    pub async fn login(&mut self) {
        let e = self.try_login().await;
        assert_eq!(e.errcode, 0, "{}", e.errmsg);
    }

    pub async fn get_task(&self) -> Envelope {
        self.call(
            "POST",
            "get_task",
            &self.token,
            Some(br#"{"task_types":[1]}"#.to_vec()),
        )
        .await
    }

    pub async fn submit(&self, task: &Value, status: u8, proof: &str) -> Envelope {
        let body = json!({"uuid": task["uuid"], "task_id": task["task_id"], "task_type": task["task_type"],
            "status": status, "proof": proof, "failure_type": 2, "failure_msg": "out of memory"});
        self.call(
            "POST",
            "submit_proof",
            &self.token,
            Some(body.to_string().into_bytes()),
        )
        .await
    }
}

/// The prover task of a get_task response.
pub async fn pt_of(db: &Db, task: &Value) -> prover_task::ProverTask {
    let uuid: Uuid = task["uuid"].as_str().unwrap().parse().unwrap();
    prover_task::get_by_uuid(db, uuid).await.unwrap().unwrap()
}
