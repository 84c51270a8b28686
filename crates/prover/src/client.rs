//! The coordinator client: challenge + signed login, `get_task`, `submit_proof`, with the
//! reference's behaviour on top of plain HTTP:
//! - network errors, timeouts and HTTP 5xx are retried `retry_count` times, waiting
//!   `retry_wait_time_sec` doubled per attempt (capped at 8×) with ±50 % jitter, so a fleet of
//!   provers does not hammer a coordinator that comes back;
//! - an expired or rejected login token (50001 / 50000) logs in again and retries the call once.

use std::time::Duration;

use k256::ecdsa::SigningKey;
use rand::Rng;
use rollproof_coordinator_wire::{
    sign_login, Envelope, GetTaskRequest, LoginMessage, SubmitProofRequest, TaskData, TokenData,
    JWT_ERROR, JWT_EXPIRED, NO_TASK, OK,
};
use serde::Serialize;
use tokio::sync::Mutex;

use crate::config::CoordinatorConfig;

/// Who the prover says it is at login.
#[derive(Clone, Debug)]
pub struct Identity {
    /// `<prefix>-<worker>`.
    pub prover_name: String,
    /// `vX.Y.Z-<git>-<zk version>`.
    pub prover_version: String,
    /// Task types it proves.
    pub prover_types: Vec<u8>,
    /// Its verifying keys (base64), one per fork it proves.
    pub vks: Vec<String>,
}

/// Why a coordinator call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The coordinator could not be reached (after every retry).
    #[error("coordinator unreachable at {url} after {attempts} attempts: {detail}")]
    Unreachable {
        /// The URL called.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        detail: String,
    },
    /// The coordinator answered with an error code.
    #[error("coordinator refused {path}: {code} {message}")]
    Refused {
        /// The API path.
        path: &'static str,
        /// Its error code.
        code: i32,
        /// Its message.
        message: String,
    },
    /// The answer is not what the API returns.
    #[error("coordinator answered {path} with an unexpected body: {0}", path = .1)]
    Malformed(String, &'static str),
}

/// A logged-in (or about to log in) connection to one coordinator.
pub struct CoordinatorClient {
    http: reqwest::Client,
    api: String,
    retry_count: u32,
    retry_wait: Duration,
    key: SigningKey,
    identity: Identity,
    token: Mutex<Option<String>>,
}

impl CoordinatorClient {
    /// A client for `config.base_url` that signs its logins with `key`.
    pub fn new(config: &CoordinatorConfig, key: SigningKey, identity: Identity) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.connection_timeout_sec))
            .build()
            .expect("an HTTP client with a timeout always builds");
        Self {
            http,
            api: format!("{}/coordinator/v1", config.base_url.trim_end_matches('/')),
            retry_count: config.retry_count.max(1),
            retry_wait: Duration::from_secs(config.retry_wait_time_sec),
            key,
            identity,
            token: Mutex::new(None),
        }
    }

    /// Gets a challenge, signs the login message and stores the login token.
    pub async fn login(&self) -> Result<(), ClientError> {
        let challenge: TokenData = self.call("challenge", None, None::<&()>).await?;
        let message = LoginMessage {
            challenge: challenge.token.clone(),
            prover_version: self.identity.prover_version.clone(),
            prover_name: self.identity.prover_name.clone(),
            prover_provider_type: 1,
            prover_types: self.identity.prover_types.clone(),
            vks: self.identity.vks.clone(),
        };
        let body = sign_login(message, &self.key);
        let login: TokenData = self
            .call("login", Some(&challenge.token), Some(&body))
            .await?;
        tracing::info!(prover = %self.identity.prover_name, "logged in to the coordinator");
        *self.token.lock().await = Some(login.token);
        Ok(())
    }

    /// Asks for a task of `task_types`; `None` when the coordinator has none for this prover.
    pub async fn get_task(&self, task_types: &[u8]) -> Result<Option<TaskData>, ClientError> {
        self.get_task_by_id(task_types, None).await
    }

    /// `get_task` for one task (`task_id`, a hash) when given (rollproof's coordinator only;
    /// the caller checks the answer is that task).
    pub async fn get_task_by_id(
        &self,
        task_types: &[u8],
        task_id: Option<&str>,
    ) -> Result<Option<TaskData>, ClientError> {
        let body = GetTaskRequest {
            task_types: task_types.to_vec(),
            prover_height: None,
            task_id: task_id.map(str::to_string),
        };
        match self.authed("get_task", &body).await {
            Ok(task) => Ok(Some(task)),
            Err(ClientError::Refused { code: NO_TASK, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Submits a proof (status 0) or a failure (status 1).
    pub async fn submit_proof(&self, body: &SubmitProofRequest) -> Result<(), ClientError> {
        let _: serde_json::Value = self.authed("submit_proof", body).await?;
        Ok(())
    }

    /// A call with the login token; logs in first when there is none, and again (once) when
    /// the coordinator says the token expired or is invalid.
    async fn authed<T: serde::de::DeserializeOwned>(
        &self,
        path: &'static str,
        body: &impl Serialize,
    ) -> Result<T, ClientError> {
        for attempt in 0..2 {
            let token = self.token.lock().await.clone();
            let token = match token {
                Some(token) => token,
                None => {
                    self.login().await?;
                    self.token.lock().await.clone().unwrap_or_default()
                }
            };
            match self.call(path, Some(&token), Some(body)).await {
                Err(ClientError::Refused { code, .. })
                    if attempt == 0 && (code == JWT_EXPIRED || code == JWT_ERROR) =>
                {
                    tracing::info!(path, code, "login token refused, logging in again");
                    *self.token.lock().await = None;
                }
                result => return result,
            }
        }
        unreachable!("the second attempt always returns")
    }

    /// One API call (GET without a body, POST with one), retried on network errors and 5xx;
    /// returns the envelope's data, or its error code as [`ClientError::Refused`].
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        path: &'static str,
        bearer: Option<&str>,
        body: Option<&impl Serialize>,
    ) -> Result<T, ClientError> {
        let url = format!("{}/{path}", self.api);
        let mut last = String::new();
        for attempt in 0..self.retry_count {
            if attempt > 0 {
                tokio::time::sleep(self.backoff(attempt)).await;
            }
            let mut request = match body {
                Some(body) => self.http.post(&url).json(body),
                None => self.http.get(&url),
            };
            if let Some(token) = bearer {
                request = request.bearer_auth(token);
            }
            let response = match request.send().await {
                Ok(response) if response.status().is_server_error() => {
                    last = format!("HTTP {}", response.status());
                    continue;
                }
                Ok(response) => response,
                Err(e) => {
                    last = e.to_string();
                    tracing::warn!(%url, attempt = attempt + 1, "coordinator call failed: {e}");
                    continue;
                }
            };
            let envelope: Envelope = response
                .json()
                .await
                .map_err(|e| ClientError::Malformed(e.to_string(), path))?;
            if envelope.errcode != OK {
                return Err(ClientError::Refused {
                    path,
                    code: envelope.errcode,
                    message: envelope.errmsg,
                });
            }
            return serde_json::from_value(envelope.data)
                .map_err(|e| ClientError::Malformed(e.to_string(), path));
        }
        Err(ClientError::Unreachable {
            url,
            attempts: self.retry_count,
            detail: last,
        })
    }

    /// Wait before attempt `attempt` (1-based): base × 2^(attempt-1) capped at 8×, ±50 %.
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32 << (attempt - 1).min(3);
        let jitter = rand::thread_rng().gen_range(0.5..1.5);
        (self.retry_wait * factor).mul_f64(jitter)
    }
}
