-- rollproof schema, PostgreSQL dialect. Keep equivalent to ../sqlite/0001_schema.sql (same tables,
-- columns, defaults and index names; the test `migrations_equivalent` compares them).
--
-- Status columns hold the reference's numeric values (rollproof-primitives enums):
--   proving_status (chunk/batch/bundle): 0 undefined, 1 unassigned, 2 assigned, 3 proved (deprecated),
--                                        4 verified, 5 failed
--   chunk_proofs_status / batch_proofs_status: 0 undefined, 1 pending, 2 ready
--   rollup_status: 0 undefined, 1 pending, 2 committing, 3 committed, 4 finalizing, 5 finalized,
--                  6 commit_failed, 7 finalize_failed
--   prover_task.task_type: 0 undefined, 1 chunk, 2 batch, 3 bundle
--   prover_task.proving_status: 0 undefined, 1 assigned, 2 proof valid, 3 proof invalid
--   prover_task.failure_type: 0 undefined, 1 timeout, 2 submitted status not ok, 3 verification failed,
--                             4 server error, 5 object already verified, 6 reassigned by admin
-- Hashes are 0x-prefixed lowercase hex (VARCHAR); proofs, headers, blobs and metadata are bytes.
-- Rows are soft-deleted (deleted_at); unique indexes only cover live rows.

CREATE TABLE l2_block
(
    number            BIGINT       NOT NULL,
    hash              VARCHAR      NOT NULL,
    parent_hash       VARCHAR      NOT NULL,
    header            TEXT         NOT NULL,
    transactions      TEXT         NOT NULL,
    withdraw_root     VARCHAR      NOT NULL,
    state_root        VARCHAR      NOT NULL,
    tx_num            INTEGER      NOT NULL,
    gas_used          BIGINT       NOT NULL,
    block_timestamp   BIGINT       NOT NULL,
    chunk_hash        VARCHAR      DEFAULT NULL,
    created_at        TIMESTAMP(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at        TIMESTAMP(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at        TIMESTAMP(0) DEFAULT NULL
);
CREATE UNIQUE INDEX l2_block_number_uindex ON l2_block (number) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX l2_block_hash_uindex ON l2_block (hash) WHERE deleted_at IS NULL;
CREATE INDEX l2_block_chunk_hash_index ON l2_block (chunk_hash) WHERE deleted_at IS NULL;

CREATE TABLE chunk
(
    "index"                           BIGINT       NOT NULL,
    hash                              VARCHAR      NOT NULL,
    start_block_number                BIGINT       NOT NULL,
    start_block_hash                  VARCHAR      NOT NULL,
    end_block_number                  BIGINT       NOT NULL,
    end_block_hash                    VARCHAR      NOT NULL,
    start_block_time                  BIGINT       NOT NULL,
    total_l1_messages_popped_before   BIGINT       NOT NULL,
    total_l1_messages_popped_in_chunk INTEGER      NOT NULL,
    parent_chunk_hash                 VARCHAR      NOT NULL,
    state_root                        VARCHAR      NOT NULL,
    parent_chunk_state_root           VARCHAR      NOT NULL,
    withdraw_root                     VARCHAR      NOT NULL,
    prev_l1_message_queue_hash        VARCHAR      NOT NULL DEFAULT '',
    post_l1_message_queue_hash        VARCHAR      NOT NULL DEFAULT '',
    codec_version                     SMALLINT     NOT NULL DEFAULT 0,
    -- proof
    proving_status                    SMALLINT     NOT NULL DEFAULT 1,
    proof                             BYTEA        DEFAULT NULL,
    prover_assigned_at                TIMESTAMP(0) DEFAULT NULL,
    proved_at                         TIMESTAMP(0) DEFAULT NULL,
    proof_time_sec                    INTEGER      DEFAULT NULL,
    total_attempts                    SMALLINT     NOT NULL DEFAULT 0,
    active_attempts                   SMALLINT     NOT NULL DEFAULT 0,
    -- batch
    batch_hash                        VARCHAR      DEFAULT NULL,
    -- metadata
    total_l2_tx_gas                   BIGINT       NOT NULL,
    total_l2_tx_num                   INTEGER      NOT NULL,
    created_at                        TIMESTAMP(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at                        TIMESTAMP(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at                        TIMESTAMP(0) DEFAULT NULL
);
CREATE UNIQUE INDEX chunk_index_uindex ON chunk ("index") WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX chunk_hash_uindex ON chunk (hash) WHERE deleted_at IS NULL;
CREATE INDEX chunk_batch_hash_index ON chunk (batch_hash) WHERE deleted_at IS NULL;
CREATE INDEX chunk_proving_status_index ON chunk (proving_status, "index") WHERE deleted_at IS NULL;
CREATE INDEX chunk_end_block_number_attempts_index
    ON chunk (end_block_number, total_attempts, active_attempts) WHERE deleted_at IS NULL;

CREATE TABLE batch
(
    "index"                    BIGINT       NOT NULL,
    hash                       VARCHAR      NOT NULL,
    start_chunk_index          BIGINT       NOT NULL,
    start_chunk_hash           VARCHAR      NOT NULL,
    end_chunk_index            BIGINT       NOT NULL,
    end_chunk_hash             VARCHAR      NOT NULL,
    parent_batch_hash          VARCHAR      NOT NULL,
    state_root                 VARCHAR      NOT NULL,
    withdraw_root              VARCHAR      NOT NULL,
    batch_header               BYTEA        NOT NULL,
    data_hash                  VARCHAR      NOT NULL DEFAULT '',
    blob_data_proof            BYTEA        DEFAULT NULL,
    blob_size                  INTEGER      NOT NULL DEFAULT 0,
    blob_bytes                 BYTEA        DEFAULT NULL,
    challenge_digest           VARCHAR      NOT NULL DEFAULT '',
    codec_version              SMALLINT     NOT NULL DEFAULT 0,
    prev_l1_message_queue_hash VARCHAR      NOT NULL DEFAULT '',
    post_l1_message_queue_hash VARCHAR      NOT NULL DEFAULT '',
    -- proof
    chunk_proofs_status        SMALLINT     NOT NULL DEFAULT 1,
    proving_status             SMALLINT     NOT NULL DEFAULT 1,
    proof                      BYTEA        DEFAULT NULL,
    prover_assigned_at         TIMESTAMP(0) DEFAULT NULL,
    proved_at                  TIMESTAMP(0) DEFAULT NULL,
    proof_time_sec             INTEGER      DEFAULT NULL,
    total_attempts             SMALLINT     NOT NULL DEFAULT 0,
    active_attempts            SMALLINT     NOT NULL DEFAULT 0,
    -- rollup
    rollup_status              SMALLINT     NOT NULL DEFAULT 1,
    commit_tx_hash             VARCHAR      DEFAULT NULL,
    committed_at               TIMESTAMP(0) DEFAULT NULL,
    finalize_tx_hash           VARCHAR      DEFAULT NULL,
    finalized_at               TIMESTAMP(0) DEFAULT NULL,
    -- bundle
    bundle_hash                VARCHAR      DEFAULT NULL,
    -- metadata
    created_at                 TIMESTAMP(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at                 TIMESTAMP(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at                 TIMESTAMP(0) DEFAULT NULL
);
CREATE UNIQUE INDEX batch_index_uindex ON batch ("index") WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX batch_hash_uindex ON batch (hash) WHERE deleted_at IS NULL;
CREATE INDEX batch_bundle_hash_index ON batch (bundle_hash) WHERE deleted_at IS NULL;
CREATE INDEX batch_proving_status_index
    ON batch (proving_status, chunk_proofs_status, "index") WHERE deleted_at IS NULL;
CREATE INDEX batch_attempts_chunk_proofs_status_index
    ON batch (total_attempts, active_attempts, chunk_proofs_status) WHERE deleted_at IS NULL;
CREATE INDEX batch_rollup_status_index ON batch (rollup_status, "index") WHERE deleted_at IS NULL;

CREATE TABLE bundle
(
    "index"             BIGSERIAL    PRIMARY KEY,
    -- keccak256(start_batch_hash || end_batch_hash)
    hash                VARCHAR      NOT NULL,
    start_batch_index   BIGINT       NOT NULL,
    end_batch_index     BIGINT       NOT NULL,
    start_batch_hash    VARCHAR      NOT NULL,
    end_batch_hash      VARCHAR      NOT NULL,
    codec_version       SMALLINT     NOT NULL,
    -- proof
    batch_proofs_status SMALLINT     NOT NULL DEFAULT 1,
    proving_status      SMALLINT     NOT NULL DEFAULT 1,
    proof               BYTEA        DEFAULT NULL,
    prover_assigned_at  TIMESTAMP(0) DEFAULT NULL,
    proved_at           TIMESTAMP(0) DEFAULT NULL,
    proof_time_sec      INTEGER      DEFAULT NULL,
    total_attempts      SMALLINT     NOT NULL DEFAULT 0,
    active_attempts     SMALLINT     NOT NULL DEFAULT 0,
    -- rollup
    rollup_status       SMALLINT     NOT NULL DEFAULT 1,
    finalize_tx_hash    VARCHAR      DEFAULT NULL,
    finalized_at        TIMESTAMP(0) DEFAULT NULL,
    -- metadata
    created_at          TIMESTAMP(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at          TIMESTAMP(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at          TIMESTAMP(0) DEFAULT NULL
);
CREATE UNIQUE INDEX bundle_hash_uindex ON bundle (hash) WHERE deleted_at IS NULL;
CREATE INDEX bundle_proving_status_index
    ON bundle (proving_status, batch_proofs_status, "index") WHERE deleted_at IS NULL;
CREATE INDEX bundle_attempts_batch_proofs_status_index
    ON bundle (total_attempts, active_attempts, batch_proofs_status) WHERE deleted_at IS NULL;
CREATE INDEX bundle_rollup_status_index ON bundle ("index", rollup_status) WHERE deleted_at IS NULL;
CREATE INDEX bundle_start_batch_index_index ON bundle (start_batch_index) WHERE deleted_at IS NULL;
CREATE INDEX bundle_end_batch_index_index ON bundle (end_batch_index) WHERE deleted_at IS NULL;

CREATE TABLE prover_task
(
    id                BIGSERIAL      PRIMARY KEY,
    uuid              UUID           NOT NULL,
    -- prover
    prover_public_key VARCHAR        NOT NULL,
    prover_name       VARCHAR        NOT NULL,
    prover_version    VARCHAR        NOT NULL,
    -- task
    task_id           VARCHAR        NOT NULL,
    task_type         SMALLINT       NOT NULL DEFAULT 0,
    -- status
    proving_status    SMALLINT       NOT NULL DEFAULT 0,
    failure_type      SMALLINT       NOT NULL DEFAULT 0,
    reward            DECIMAL(78, 0) NOT NULL DEFAULT 0,
    proof             BYTEA          DEFAULT NULL,
    assigned_at       TIMESTAMP(0)   NOT NULL DEFAULT CURRENT_TIMESTAMP,
    metadata          BYTEA          DEFAULT NULL,
    -- metadata
    created_at        TIMESTAMP(0)   NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at        TIMESTAMP(0)   NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at        TIMESTAMP(0)   DEFAULT NULL
);
CREATE UNIQUE INDEX prover_task_uuid_uindex ON prover_task (uuid);
CREATE INDEX prover_task_public_key_status_index
    ON prover_task (prover_public_key, proving_status, id) WHERE deleted_at IS NULL;
CREATE INDEX prover_task_task_id_index ON prover_task (task_id) WHERE deleted_at IS NULL;
CREATE INDEX prover_task_type_status_assigned_at_index
    ON prover_task (task_type, proving_status, assigned_at) WHERE deleted_at IS NULL;
CREATE INDEX prover_task_created_at_index ON prover_task (created_at) WHERE deleted_at IS NULL;

CREATE TABLE challenge
(
    id         BIGSERIAL    PRIMARY KEY,
    challenge  VARCHAR      NOT NULL,
    created_at TIMESTAMP(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at TIMESTAMP(0) DEFAULT NULL
);
-- Not partial: a challenge is single-use even after it was soft-deleted.
CREATE UNIQUE INDEX challenge_uindex ON challenge (challenge);
CREATE INDEX challenge_created_at_index ON challenge (created_at);

CREATE TABLE prover_block_list
(
    id          BIGSERIAL    PRIMARY KEY,
    public_key  VARCHAR      NOT NULL,
    prover_name VARCHAR      NOT NULL,
    created_at  TIMESTAMP(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  TIMESTAMP(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at  TIMESTAMP(0) DEFAULT NULL
);
CREATE UNIQUE INDEX prover_block_list_public_key_uindex
    ON prover_block_list (public_key) WHERE deleted_at IS NULL;
CREATE INDEX prover_block_list_prover_name_index ON prover_block_list (prover_name);
