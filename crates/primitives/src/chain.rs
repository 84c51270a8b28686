//! Chaining checks: consecutive chunks and batches must continue from each other.

use alloc::boxed::Box;

use alloy_primitives::B256;

use crate::error::{ChainError, HashField, InfoKind};

/// An info that must continue from its predecessor in a list (chunks of a batch, batches of a
/// bundle).
pub trait Chained {
    /// What a list of these holds, for error messages.
    const KIND: InfoKind;

    /// Checks that `self` directly follows `prev`; the error names the first field that does not.
    fn check_follows(&self, prev: &Self) -> Result<(), ChainError>;
}

/// Checks that `items` is non-empty and that each item follows the one before it.
///
/// A broken link is reported as [`ChainError::At`] with the index of the offending item.
pub fn check_chain<T: Chained>(items: &[T]) -> Result<(), ChainError> {
    if items.is_empty() {
        return Err(ChainError::Empty(T::KIND));
    }
    for (i, pair) in items.windows(2).enumerate() {
        pair[1]
            .check_follows(&pair[0])
            .map_err(|mismatch| ChainError::At {
                kind: T::KIND,
                index: i + 1,
                mismatch: Box::new(mismatch),
            })?;
    }
    Ok(())
}

/// `found` (this item's chain id) must equal `expected` (the predecessor's).
pub(crate) fn same_chain_id(expected: u64, found: u64) -> Result<(), ChainError> {
    if expected == found {
        Ok(())
    } else {
        Err(ChainError::ChainId { expected, found })
    }
}

/// This item's `field` (`found`) must equal the predecessor's value `expected`.
pub(crate) fn same_hash(field: HashField, expected: B256, found: B256) -> Result<(), ChainError> {
    if expected == found {
        Ok(())
    } else {
        Err(ChainError::Hash {
            field,
            expected,
            found,
        })
    }
}
