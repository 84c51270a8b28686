//! A bounded cache of built tasks ([`TaskCache`]): get_task builds the same universal task
//! again for every assignment of a task (each of its `session_attempts`, each of its
//! `provers_per_session` and every re-delivery), and building one means decompressing the
//! witnesses, validating the blocks natively and writing the JSON.
//!
//! An entry is keyed by the task (type and hash). One cache belongs to one
//! [`crate::api::AppState`], whose verifying keys, chain id and fork schedule never change, so
//! the key a task was built with is the one its fork has for as long as the entry lives. The
//! rest of a built task does not change under one hash either: a chunk hash commits to its
//! blocks (whose stored witnesses the rollup derived from them), a batch or bundle hash to its
//! children, whose verified proofs are final. Failed builds are never cached (a missing
//! witness may be stored later).

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use alloy_primitives::B256;
use rollproof_primitives::TaskType;

use crate::task::BuiltTask;

type Key = (TaskType, B256);

/// Built tasks by (task type, hash), at most `max_bytes` of task and metadata JSON in all;
/// the oldest entries go first. Shared by every request (a mutex held only to look up or
/// insert).
#[derive(Debug)]
pub struct TaskCache {
    max_bytes: usize,
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    by_key: HashMap<Key, Arc<BuiltTask>>,
    /// Insertion order, for eviction.
    order: VecDeque<Key>,
    bytes: usize,
}

impl TaskCache {
    /// An empty cache holding at most `max_bytes` (0 disables it).
    pub fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            inner: Mutex::default(),
        }
    }

    /// The cached task of `task_type` `task_id`.
    pub fn get(&self, task_type: TaskType, task_id: B256) -> Option<Arc<BuiltTask>> {
        let entries = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        entries.by_key.get(&(task_type, task_id)).cloned()
    }

    /// Caches `built` (a task larger than the whole budget is not cached), evicting the
    /// oldest entries to stay within the budget.
    pub fn insert(&self, task_type: TaskType, task_id: B256, built: Arc<BuiltTask>) {
        let size = cost(&built);
        if size > self.max_bytes {
            return;
        }
        let mut entries = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let key = (task_type, task_id);
        if let Some(old) = entries.by_key.insert(key, built) {
            entries.bytes -= cost(&old);
        } else {
            entries.order.push_back(key);
        }
        entries.bytes += size;
        while entries.bytes > self.max_bytes {
            let Some(oldest) = entries.order.pop_front() else {
                break;
            };
            if let Some(gone) = entries.by_key.remove(&oldest) {
                entries.bytes -= cost(&gone);
            }
        }
    }

    /// How many tasks are cached.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_key
            .len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What an entry counts against the budget.
fn cost(built: &BuiltTask) -> usize {
    built.task_json.len() + built.metadata_json.len()
}

#[cfg(test)]
mod tests {
    use rollproof_primitives::ForkName;

    use super::*;

    fn built(json_len: usize) -> Arc<BuiltTask> {
        Arc::new(BuiltTask {
            fork: ForkName::GalileoV2,
            task_json: "x".repeat(json_len),
            metadata_json: b"{}".to_vec(),
        })
    }

    fn id(n: u8) -> B256 {
        B256::repeat_byte(n)
    }

    #[test]
    fn hits_only_with_the_same_type_and_hash() {
        let cache = TaskCache::new(1000);
        cache.insert(TaskType::Chunk, id(1), built(10));
        assert!(cache.get(TaskType::Chunk, id(1)).is_some());
        assert!(cache.get(TaskType::Batch, id(1)).is_none());
        assert!(cache.get(TaskType::Chunk, id(2)).is_none());
    }

    #[test]
    fn evicts_the_oldest_beyond_the_budget() {
        let cache = TaskCache::new(100);
        for n in 0..5 {
            cache.insert(TaskType::Chunk, id(n), built(30));
        }
        // 32 bytes each: three fit, the two oldest went.
        assert_eq!(cache.len(), 3);
        assert!(cache.get(TaskType::Chunk, id(1)).is_none());
        assert!(cache.get(TaskType::Chunk, id(4)).is_some());
        // Replacing an entry keeps the accounting right: room for a fourth small one.
        cache.insert(TaskType::Chunk, id(4), built(2));
        cache.insert(TaskType::Chunk, id(5), built(2));
        assert_eq!(cache.len(), 4);
        assert!(cache.get(TaskType::Chunk, id(2)).is_some());
        // Too large for the budget, or a disabled cache: nothing is kept.
        cache.insert(TaskType::Chunk, id(9), built(200));
        assert!(cache.get(TaskType::Chunk, id(9)).is_none());
        let off = TaskCache::new(0);
        off.insert(TaskType::Chunk, id(1), built(1));
        assert!(off.is_empty());
    }
}
