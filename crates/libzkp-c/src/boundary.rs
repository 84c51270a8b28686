//! The FFI boundary: pointer arguments to Rust values, results to C strings, panics caught,
//! and the calling thread's last error.

use std::{
    cell::RefCell,
    ffi::{c_char, CStr, CString},
    panic::{catch_unwind, AssertUnwindSafe},
};

use crate::FfiError;

thread_local! {
    /// The error of the last failed call on this thread (`None` after a successful one).
    static LAST_ERROR: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs one entry point's body: clears this thread's last error, runs `body` with panics
/// caught, and on an error or a panic records and logs it and returns `failed`.
pub(crate) fn guarded<T>(
    entry: &'static str,
    failed: T,
    body: impl FnOnce() -> Result<T, FfiError>,
) -> T {
    set_last_error(None);
    run_caught(entry, failed, body)
}

/// Runs a release function's body with panics caught, keeping this thread's last error
/// (freeing a result must not erase why an earlier call failed) unless it panics.
pub(crate) fn guarded_release(entry: &'static str, body: impl FnOnce()) {
    run_caught(entry, (), || {
        body();
        Ok(())
    })
}

fn run_caught<T>(entry: &'static str, failed: T, body: impl FnOnce() -> Result<T, FfiError>) -> T {
    let error = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(value)) => return value,
        Ok(Err(error)) => error,
        Err(payload) => FfiError::Panic(panic_message(payload.as_ref())),
    };
    tracing::error!(target: "libzkp", "{entry} failed: {error}");
    set_last_error(Some(format!("{entry}: {error}")));
    failed
}

/// The message of this thread's last failed call, if the last call failed.
pub(crate) fn last_error_message() -> Option<String> {
    LAST_ERROR.with(|cell| cell.borrow().clone())
}

fn set_last_error(message: Option<String>) {
    LAST_ERROR.with(|cell| *cell.borrow_mut() = message);
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Borrows a NUL-terminated UTF-8 string argument named `arg`.
///
/// # Safety
/// `ptr` is null or points to a NUL-terminated string that stays valid and unchanged for `'a`.
pub(crate) unsafe fn c_str<'a>(ptr: *const c_char, arg: &'static str) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::NullPointer(arg));
    }
    // SAFETY: non-null, and the caller guarantees a NUL-terminated string valid for 'a.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str().map_err(|_| FfiError::InvalidUtf8(arg))
}

/// Borrows a `len`-byte buffer argument named `arg`; `ptr` may be null when `len` is 0.
///
/// # Safety
/// When `len > 0`, `ptr` is null or points to `len` readable bytes that stay valid and
/// unchanged for `'a`.
pub(crate) unsafe fn c_bytes<'a>(
    ptr: *const u8,
    len: usize,
    arg: &'static str,
) -> Result<&'a [u8], FfiError> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(FfiError::NullPointer(arg));
    }
    if len > isize::MAX as usize {
        return Err(FfiError::LengthTooLarge(arg, len));
    }
    // SAFETY: non-null, len fits isize, and the caller guarantees len readable bytes for 'a.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Moves `text` into a C string the caller frees with `release_string` (or
/// `release_task_result` for a task's fields).
pub(crate) fn into_c_string(text: String) -> Result<*mut c_char, FfiError> {
    CString::new(text)
        .map(CString::into_raw)
        .map_err(|e| FfiError::InteriorNul(e.nul_position()))
}

/// Frees a string made by [`into_c_string`]; null is ignored.
///
/// # Safety
/// `ptr` is null or came from [`into_c_string`] and was not freed yet.
pub(crate) unsafe fn free_c_string(ptr: *mut c_char) {
    if !ptr.is_null() {
        // SAFETY: the caller guarantees ptr came from CString::into_raw and is freed once.
        drop(unsafe { CString::from_raw(ptr) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guarded_returns_the_value_and_clears_the_last_error() {
        assert_eq!(guarded("fails", 0, || Err(FfiError::NotInitialised)), 0);
        assert!(last_error_message()
            .unwrap()
            .contains("init_verifier first"));
        assert_eq!(guarded("succeeds", 0, || Ok(7)), 7);
        assert_eq!(last_error_message(), None);
    }

    #[test]
    fn guarded_catches_panics_with_their_message() {
        let value = guarded("panics", -1, || -> Result<i32, FfiError> {
            panic!("boom {}", 42)
        });
        assert_eq!(value, -1);
        assert_eq!(last_error_message().unwrap(), "panics: panic: boom 42");
        guarded("panics", (), || -> Result<(), FfiError> {
            std::panic::panic_any(3u8)
        });
        assert!(last_error_message().unwrap().contains("without a message"));
    }

    #[test]
    fn releases_keep_the_last_error_unless_they_panic() {
        guarded("fails", (), || Err(FfiError::NotInitialised));
        guarded_release("release", || {});
        assert!(last_error_message().unwrap().starts_with("fails: "));
        guarded_release("release", || panic!("double free"));
        assert_eq!(last_error_message().unwrap(), "release: panic: double free");
    }

    #[test]
    fn the_last_error_is_per_thread() {
        guarded("fails", (), || Err(FfiError::NotInitialised));
        std::thread::spawn(|| assert_eq!(last_error_message(), None))
            .join()
            .unwrap();
        assert!(last_error_message().is_some());
    }

    #[test]
    fn c_str_refuses_null_and_invalid_utf8() {
        unsafe {
            assert!(matches!(
                c_str(std::ptr::null(), "proof"),
                Err(FfiError::NullPointer("proof"))
            ));
            let invalid = [0xffu8, 0xfe, 0];
            assert!(matches!(
                c_str(invalid.as_ptr().cast(), "proof"),
                Err(FfiError::InvalidUtf8("proof"))
            ));
            assert_eq!(c_str(c"galileo".as_ptr(), "fork").unwrap(), "galileo");
        }
    }

    #[test]
    fn c_bytes_allows_empty_null_and_refuses_null_with_a_length() {
        unsafe {
            assert_eq!(c_bytes(std::ptr::null(), 0, "vk").unwrap(), b"");
            assert!(matches!(
                c_bytes(std::ptr::null(), 3, "vk"),
                Err(FfiError::NullPointer("vk"))
            ));
            let dangling = std::ptr::NonNull::<u8>::dangling().as_ptr();
            assert!(matches!(
                c_bytes(dangling, usize::MAX, "vk"),
                Err(FfiError::LengthTooLarge("vk", usize::MAX))
            ));
            assert_eq!(c_bytes([1u8, 2].as_ptr(), 2, "vk").unwrap(), [1, 2]);
        }
    }

    #[test]
    fn c_strings_round_trip_and_refuse_nul() {
        let ptr = into_c_string("hello".into()).unwrap();
        unsafe {
            assert_eq!(CStr::from_ptr(ptr).to_str().unwrap(), "hello");
            free_c_string(ptr);
            free_c_string(std::ptr::null_mut());
        }
        assert!(matches!(
            into_c_string("a\0b".into()),
            Err(FfiError::InteriorNul(1))
        ));
    }
}
