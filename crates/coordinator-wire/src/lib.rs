//! The `/coordinator/v1` wire format (reference section 1), shared by the coordinator's API and
//! the prover's client so the two cannot drift apart:
//! - [`Envelope`] and the error codes ([`OK`] … [`JWT_EXPIRED`]): every response body;
//! - [`TokenData`]: what `/challenge` and `/login` return;
//! - [`LoginMessage`], [`LoginRequest`], [`sign_login`]: the signed login (keccak256 of the
//!   message's RLP, secp256k1, 65-byte signature);
//! - [`GetTaskRequest`], [`TaskData`], [`SubmitProofRequest`]: task assignment and proofs;
//! - [`apply_env_overrides`]: the `PREFIX_A__B=value` overrides both sides' JSON configs take.

mod env;
mod login;
mod messages;

pub use env::{apply_env_overrides, parse_with_env_overrides};
pub use login::{sign_login, LoginMessage, LoginRequest};
pub use messages::{
    Envelope, GetTaskRequest, SubmitProofRequest, TaskData, TokenData, BAD_PARAMETER,
    GET_TASK_FAILURE, INTERNAL, JWT_ERROR, JWT_EXPIRED, NO_TASK, OK, PROOF_FAILURE,
};
