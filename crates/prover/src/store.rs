//! The local store (`db_path`): the task each worker has in flight, so a prover that crashes or
//! is restarted resumes that task instead of asking for a new one (and the coordinator does not
//! see it abandoned). One JSON file per worker, written atomically (temporary file, fsync,
//! rename), removed once the task's result has been submitted.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

use rollproof_coordinator_wire::TaskData;

/// The in-flight tasks of one prover process.
#[derive(Clone, Debug)]
pub struct TaskStore {
    dir: PathBuf,
}

impl TaskStore {
    /// Opens (creating it when missing) the store folder.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        fs::create_dir_all(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }

    fn path(&self, worker: usize) -> PathBuf {
        self.dir.join(format!("worker-{worker}.json"))
    }

    /// The task `worker` had in flight, if any. A file that does not parse (only possible if
    /// someone edited it) is reported and ignored.
    pub fn get(&self, worker: usize) -> Option<TaskData> {
        let path = self.path(worker);
        let bytes = fs::read(&path).ok()?;
        match serde_json::from_slice(&bytes) {
            Ok(task) => Some(task),
            Err(e) => {
                tracing::warn!(path = %path.display(), "ignoring an unreadable stored task: {e}");
                None
            }
        }
    }

    /// Records `task` as `worker`'s in-flight task, durably, before proving starts.
    pub fn put(&self, worker: usize, task: &TaskData) -> std::io::Result<()> {
        let path = self.path(worker);
        let partial = path.with_extension("json.partial");
        let mut file = fs::File::create(&partial)?;
        file.write_all(&serde_json::to_vec(task).expect("a task always serializes"))?;
        file.sync_all()?;
        fs::rename(&partial, &path)?;
        fs::File::open(&self.dir)?.sync_all()
    }

    /// Forgets `worker`'s task (its result was submitted).
    pub fn remove(&self, worker: usize) -> std::io::Result<()> {
        match fs::remove_file(self.path(worker)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_task_survives_reopening_until_removed() {
        let dir = tempfile::tempdir().unwrap();
        let task = TaskData {
            uuid: "u".into(),
            task_id: "t".into(),
            task_type: 1,
            task_data: "{}".into(),
            hard_fork_name: "galileo".into(),
        };
        let store = TaskStore::open(&dir.path().join("db")).unwrap();
        assert_eq!(store.get(0), None);
        store.put(0, &task).unwrap();
        let reopened = TaskStore::open(&dir.path().join("db")).unwrap();
        assert_eq!(reopened.get(0), Some(task));
        assert_eq!(reopened.get(1), None);
        reopened.remove(0).unwrap();
        reopened.remove(0).unwrap();
        assert_eq!(store.get(0), None);
        fs::write(dir.path().join("db/worker-2.json"), "{").unwrap();
        assert_eq!(store.get(2), None);
    }
}
