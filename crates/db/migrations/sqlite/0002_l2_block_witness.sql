-- Per-block witnesses for chunk tasks. Keep equivalent to ../postgres/0002_l2_block_witness.sql.
--
-- l2_block.witness: the block's one-block ChunkWitness (chain id, fork, the block, its execution
-- witness against its own pre-state) in the versioned binary encoding, zstd-compressed
-- (rollproof_libzkp::witness). NULL until the rollup stored it; the coordinator refuses to hand
-- out a chunk whose blocks lack one.
ALTER TABLE l2_block ADD COLUMN witness BLOB DEFAULT NULL;
