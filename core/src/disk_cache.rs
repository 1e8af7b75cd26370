//! The on-disk token cache (opt-in: `token_cache = "disk"`): short-lived processes (command
//! lines, cron jobs, short C programs) share a valid Maskinporten token instead of each asking
//! Maskinporten for one.
//!
//! A directory of the user's own (mode 0700) holds two files per key: `<hash>.token`, the token
//! (mode 0600, written to a new temporary file and renamed into place, so a reader never sees
//! half a file), and `<hash>.lock`, locked (`flock`) while a process reads the token and, when
//! it has none, fetches and writes one: concurrent processes ask Maskinporten once. `<hash>` is
//! the SHA-256 of the key in hex; the key may carry personal data (a pid), so it never appears
//! in a file name, a file or a log. Only tokens go to disk, never a private key.
//!
//! Any problem with the disk (an unreadable directory, a corrupt or foreign file, a full disk) is
//! logged as a warning (with the path, never the key or the token) and the token is fetched as
//! if there were no cache: only the fetch's own error is returned.
//!
//! Unix only: elsewhere [`DiskCache::open`] refuses.
//!
//! Lock files are never removed: removing a lock file that another process has open and waits on
//! lets two processes hold "the" lock at once (one on the removed file, one on its successor).

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::token::Token;

/// The name of the cache directory inside the runtime or cache directory.
const DIR_NAME: &str = "fiks-integrasjon";

/// The configuration key named by the errors of [`DiskCache::open`].
const CONFIG_KEY: &str = "token_cache_dir";

/// The version of the token file's format (its `v`).
const FORMAT_VERSION: u32 = 1;

/// A token file larger than this is not ours.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// A token that expires later than this from now is implausible (Maskinporten's last at most
/// a few hours), and is ignored.
const MAX_REMAINING: Duration = Duration::from_secs(24 * 3600);

/// The first pause between two attempts to take a held lock.
const LOCK_POLL_FIRST: Duration = Duration::from_millis(2);

/// The longest pause between two attempts to take a held lock.
const LOCK_POLL_MAX: Duration = Duration::from_millis(25);

/// The on-disk token cache (opt-in: `token_cache = "disk"`).
pub(crate) struct DiskCache {
    /// The directory of the token and lock files, checked by [`DiskCache::open`].
    dir: PathBuf,
    /// The current user: the owner the token files must have (see `current_uid`).
    uid: u32,
}

/// The content of a token file, as JSON:
/// `{"v":1,"access_token":"…","token_type":"Bearer","scope":"…"|null,"expires_at":<unix secs>}`.
/// Borrowed from the buffer it is read from (or the token it is written from), so the access
/// token is copied only into the [`Token`] (whose secret is zeroized on drop).
#[derive(Serialize, Deserialize)]
struct StoredToken<'a> {
    /// [`FORMAT_VERSION`].
    v: u32,
    /// The secret.
    #[serde(borrow)]
    access_token: Cow<'a, str>,
    /// `Bearer`.
    #[serde(borrow)]
    token_type: Cow<'a, str>,
    /// The granted scopes, as Maskinporten stated them.
    scope: Option<Cow<'a, str>>,
    /// When the token expires, in seconds since the Unix epoch.
    expires_at: u64,
}

impl DiskCache {
    /// The directory in use.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The default cache directory: `$XDG_RUNTIME_DIR/fiks-integrasjon`, else
/// `$XDG_CACHE_HOME/fiks-integrasjon`, else `$HOME/.cache/fiks-integrasjon`. A variable that is
/// empty or not an absolute path is skipped (as the XDG base directory specification says).
fn default_dir(
    runtime_dir: Option<std::ffi::OsString>,
    cache_home: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> Option<PathBuf> {
    let usable = |v: Option<std::ffi::OsString>| v.map(PathBuf::from).filter(|p| p.is_absolute());
    usable(runtime_dir)
        .or_else(|| usable(cache_home))
        .map(|base| base.join(DIR_NAME))
        .or_else(|| usable(home).map(|h| h.join(".cache").join(DIR_NAME)))
}

/// The file name of `key` without its extension: the SHA-256 of the key in hex.
fn file_stem(key: &str) -> String {
    hex_sha256(key.as_bytes())
}

/// The SHA-256 of `data`, in lower-case hex.
pub(crate) fn hex_sha256(data: &[u8]) -> String {
    use std::fmt::Write;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
    digest.as_ref().iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A configuration error about the cache directory `dir`.
fn refuse(dir: &Path, why: impl std::fmt::Display) -> Error {
    Error::config(CONFIG_KEY.to_string(), format!("the token cache directory {} {why}", dir.display()))
}

#[cfg(not(unix))]
impl DiskCache {
    /// Refuses: the disk cache is only supported on Unix.
    pub(crate) fn open(_dir: Option<&Path>) -> Result<DiskCache> {
        Err(Error::config(
            CONFIG_KEY.to_string(),
            "the disk token cache (`token_cache = \"disk\"`) is only supported on Unix",
        ))
    }

    /// Calls `fetch` (never reached: [`DiskCache::open`] refuses on this platform).
    pub(crate) async fn get_or_fetch<F, Fut>(
        &self,
        _key: &str,
        _min_remaining: Duration,
        _lock_wait: Duration,
        fetch: F,
    ) -> Result<Token>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Token>>,
    {
        fetch().await
    }

    /// Does nothing (never reached: [`DiskCache::open`] refuses on this platform).
    pub(crate) fn remove(&self, _key: &str) {}
}

#[cfg(unix)]
impl DiskCache {
    /// Opens the cache directory, creating it with mode 0700: `dir` when given, else
    /// `$XDG_RUNTIME_DIR/fiks-integrasjon`, else `$XDG_CACHE_HOME/fiks-integrasjon`, else
    /// `$HOME/.cache/fiks-integrasjon`. Refuses (a config error about `token_cache_dir`) a
    /// directory that is a symlink, not owned by the current user, or writable by group/others.
    pub(crate) fn open(dir: Option<&Path>) -> Result<DiskCache> {
        let dir = match dir {
            Some(d) => d.to_path_buf(),
            None => default_dir(
                std::env::var_os("XDG_RUNTIME_DIR"),
                std::env::var_os("XDG_CACHE_HOME"),
                std::env::var_os("HOME"),
            )
            .ok_or_else(|| {
                Error::config(
                    CONFIG_KEY.to_string(),
                    "no directory for the disk token cache: set `token_cache_dir`, or XDG_RUNTIME_DIR, XDG_CACHE_HOME or HOME",
                )
            })?,
        };
        let uid = unix::check_dir(&dir)?;
        Ok(DiskCache { dir, uid })
    }

    /// Returns a token for `key` (anything that identifies what the token is for; it never
    /// appears on disk or in a log): under an exclusive lock on `<hash>.lock`, the token of
    /// `<hash>.token` when it has at least `min_remaining` left (its `expires_in` is then the
    /// remaining whole seconds), else the token of `fetch`, written to `<hash>.token` for the
    /// next caller.
    ///
    /// Concurrent callers for the same key, in this process or others, take turns: one calls
    /// `fetch`, the others wait for the lock and then read its token. The wait polls the lock
    /// (never blocking a runtime thread); after `lock_wait` without the lock the call goes on
    /// without it. A disk problem is logged and never fails the call: only `fetch`'s own error
    /// is returned.
    pub(crate) async fn get_or_fetch<F, Fut>(
        &self,
        key: &str,
        min_remaining: Duration,
        lock_wait: Duration,
        fetch: F,
    ) -> Result<Token>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Token>>,
    {
        let stem = file_stem(key);
        let token_path = self.dir.join(format!("{stem}.token"));
        // Held (and so the lock kept) until the new token is written; closed on return.
        let _lock = unix::lock(self.dir.join(format!("{stem}.lock")), lock_wait).await;
        let (path, uid) = (token_path.clone(), self.uid);
        if let Some(token) = unix::blocking(move || unix::read_token(&path, uid, min_remaining)).await.flatten() {
            tracing::debug!(path = %token_path.display(), "using the token of the disk cache");
            return Ok(token);
        }
        let token = fetch().await?;
        if let Some(content) = unix::serialize(&token) {
            let dir = self.dir.clone();
            unix::blocking(move || unix::write_token(&dir, &stem, &token_path, &content)).await;
        }
        Ok(token)
    }

    /// Removes the token file of `key` (after Fiks answered 401 for its token), ignoring errors.
    pub(crate) fn remove(&self, key: &str) {
        let _ = std::fs::remove_file(self.dir.join(format!("{}.token", file_stem(key))));
    }
}

/// The Unix file operations of the disk cache.
#[cfg(unix)]
mod unix {
    use std::borrow::Cow;
    use std::fs::{self, File, OpenOptions, TryLockError};
    use std::io::{self, Read, Write};
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
    use std::path::{Path, PathBuf};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use zeroize::Zeroizing;

    use super::{FORMAT_VERSION, LOCK_POLL_FIRST, LOCK_POLL_MAX, MAX_FILE_BYTES, MAX_REMAINING, StoredToken, refuse};
    use crate::error::Result;
    use crate::token::Token;

    /// Creates `dir` (mode 0700; missing parents with the default mode) unless it exists, checks
    /// it, and returns the current user's id.
    pub(super) fn check_dir(dir: &Path) -> Result<u32> {
        create_dir(dir).map_err(|e| refuse(dir, format_args!("cannot be created: {e}")))?;
        let meta = fs::symlink_metadata(dir).map_err(|e| refuse(dir, format_args!("cannot be read: {e}")))?;
        if meta.file_type().is_symlink() {
            return Err(refuse(dir, "is a symlink: give the directory it points to"));
        }
        if !meta.is_dir() {
            return Err(refuse(dir, "is not a directory"));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(refuse(
                dir,
                format_args!("is writable by group or others (mode {:o}): `chmod 700` it", meta.mode() & 0o777),
            ));
        }
        let uid = current_uid(dir).map_err(|e| refuse(dir, format_args!("does not take new files: {e}")))?;
        if meta.uid() != uid {
            return Err(refuse(dir, "is not owned by the current user"));
        }
        Ok(uid)
    }

    /// Creates `dir` with mode 0700 when it does not exist (its missing parents with the
    /// default mode, as `mkdir -p` would).
    fn create_dir(dir: &Path) -> io::Result<()> {
        match fs::symlink_metadata(dir) {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)?;
        }
        match fs::DirBuilder::new().mode(0o700).create(dir) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
            _ => Ok(()),
        }
    }

    /// The current (effective) user id, found without `geteuid`: `libc::geteuid` needs unsafe
    /// code, which the crate denies, and no other dependency is worth it for one number. A new
    /// file is owned by the effective user id of the process that creates it (on Linux its
    /// file-system user id, which is the effective one unless the process calls `setfsuid`), so
    /// this creates a probe file in `dir` (new, mode 0600, not following a symlink), reads its
    /// owner and removes it. A file is only created after `dir` was found to be a directory that
    /// group and others cannot write to, so nobody else can have placed anything in its way.
    fn current_uid(dir: &Path) -> io::Result<u32> {
        let probe = dir.join(format!(".probe-{}", uuid::Uuid::new_v4().simple()));
        let uid = new_secret_file(&probe).and_then(|f| f.metadata()).map(|m| m.uid());
        let _ = fs::remove_file(&probe);
        uid
    }

    /// Creates the new file `path` (it must not exist: `O_EXCL`), mode 0600, for writing.
    fn new_secret_file(path: &Path) -> io::Result<File> {
        OpenOptions::new().write(true).create_new(true).mode(0o600).custom_flags(libc::O_NOFOLLOW).open(path)
    }

    /// Runs the file operation `f` on tokio's blocking threads (a slow disk, such as a home
    /// directory on NFS, must not stall the runtime); `None`, logged, when it did not finish.
    pub(super) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        match tokio::task::spawn_blocking(f).await {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!(error = %e, "a file operation of the disk token cache did not finish; going on without it");
                None
            }
        }
    }

    /// Takes the exclusive lock of the lock file `path` (creating it, mode 0600): the open lock
    /// file, which holds the lock until it is closed; `None`, logged, when the lock could not be
    /// taken within `wait` or the lock file is not usable.
    pub(super) async fn lock(path: PathBuf, wait: Duration) -> Option<File> {
        let opened = {
            let path = path.clone();
            blocking(move || open_lock_file(&path)).await?
        };
        let file = match opened {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot open the lock file of the disk token cache; going on without the lock");
                return None;
            }
        };
        let started = tokio::time::Instant::now();
        let mut pause = LOCK_POLL_FIRST;
        loop {
            match file.try_lock() {
                Ok(()) => return Some(file),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => {
                    tracing::warn!(path = %path.display(), error = %e, "cannot lock the lock file of the disk token cache; going on without the lock");
                    return None;
                }
            }
            let waited = started.elapsed();
            if waited >= wait {
                tracing::warn!(
                    path = %path.display(),
                    waited_ms = waited.as_millis() as u64,
                    "another caller holds the lock of the disk token cache for too long; fetching a token without it"
                );
                return None;
            }
            tokio::time::sleep(pause.min(wait - waited)).await;
            pause = (pause * 2).min(LOCK_POLL_MAX);
        }
    }

    /// Opens (or creates, mode 0600) the lock file `path`, which must be a regular file.
    /// `O_NONBLOCK` keeps a FIFO in its place from blocking the open (it only affects reads and
    /// writes, never `flock`).
    fn open_lock_file(path: &Path) -> io::Result<File> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(path)?;
        if !file.metadata()?.is_file() {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "not a regular file"));
        }
        Ok(file)
    }

    /// The token of the token file `path` when it has at least `min_remaining` left; `None` when
    /// there is none, it expires too soon, or the file is not usable (logged: it is replaced).
    pub(super) fn read_token(path: &Path, uid: u32, min_remaining: Duration) -> Option<Token> {
        // O_NOFOLLOW: a symlink fails the open; O_NONBLOCK: a FIFO does not block it.
        let file = match OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                tracing::warn!(path = %path.display(), "ignoring the token file of the disk cache: it is a symlink; it will be replaced");
                return None;
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot open the token file of the disk cache; fetching a token");
                return None;
            }
        };
        match load(&file, uid, min_remaining) {
            Ok(Some(token)) => Some(token),
            Ok(None) => {
                tracing::debug!(path = %path.display(), "the token of the disk cache expires too soon; fetching a new one");
                None
            }
            Err(why) => {
                tracing::warn!(path = %path.display(), "ignoring the token file of the disk cache: {why}; it will be replaced");
                None
            }
        }
    }

    /// Checks and parses the open token file: `Ok(None)` for a token that expires too soon,
    /// `Err` with why the file is not usable (never its content).
    fn load(file: &File, uid: u32, min_remaining: Duration) -> std::result::Result<Option<Token>, String> {
        let meta = file.metadata().map_err(|e| format!("it cannot be read ({e})"))?;
        if !meta.is_file() {
            return Err("it is not a regular file".into());
        }
        if meta.uid() != uid {
            return Err("it is not owned by the current user".into());
        }
        if meta.mode() & 0o077 != 0 {
            return Err(format!("group or others have access to it (mode {:o})", meta.mode() & 0o777));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err("it is larger than 64 KiB".into());
        }
        // Room for the whole file and one byte more (to see that it grew): the buffer is never
        // reallocated, so no copy of the secret is left behind unzeroized.
        let limit = meta.len() + 1;
        let mut content = Zeroizing::new(Vec::with_capacity(limit as usize));
        file.take(limit).read_to_end(&mut content).map_err(|e| format!("it cannot be read ({e})"))?;
        if content.len() as u64 == limit {
            return Err("it changed while it was read".into());
        }
        // Not the parser's message: it may quote the content.
        let stored: StoredToken<'_> =
            serde_json::from_slice(&content).map_err(|_| "it is not a token file of fiks-integrasjon".to_string())?;
        if stored.v != FORMAT_VERSION {
            return Err(format!("it has format version {}, not {FORMAT_VERSION}", stored.v));
        }
        if stored.access_token.is_empty() || stored.access_token.chars().any(|c| c.is_control() || c == ' ') {
            return Err("it holds no usable access token".into());
        }
        if !stored.token_type.eq_ignore_ascii_case("bearer") {
            return Err("its token type is not Bearer".into());
        }
        let now = SystemTime::now();
        let expires = UNIX_EPOCH.checked_add(Duration::from_secs(stored.expires_at));
        if expires.is_none_or(|t| t.duration_since(now).is_ok_and(|left| left > MAX_REMAINING)) {
            return Err("its token expires implausibly far in the future".into());
        }
        let remaining = expires.and_then(|t| t.duration_since(now).ok()).unwrap_or_default();
        if remaining < min_remaining || remaining.as_secs() == 0 {
            return Ok(None);
        }
        Ok(Some(Token::new(
            stored.access_token.into_owned(),
            stored.token_type.into_owned(),
            remaining.as_secs(),
            stored.scope.map(Cow::into_owned),
        )))
    }

    /// The token file's content for `token`, in a buffer that is zeroized on drop (large enough
    /// from the start, so never reallocated); `None`, logged, when it cannot be serialized.
    pub(super) fn serialize(token: &Token) -> Option<Zeroizing<Vec<u8>>> {
        // Whole seconds, rounded down: the file never claims more than the token has.
        let expires_at = token.expires_at().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let stored = StoredToken {
            v: FORMAT_VERSION,
            access_token: Cow::Borrowed(token.access_token()),
            token_type: Cow::Borrowed(&token.token_type),
            scope: token.scope.as_deref().map(Cow::Borrowed),
            expires_at,
        };
        // JSON escaping makes a character at most 6 bytes (`\u001f`).
        let text = token.access_token().len() + token.token_type.len() + token.scope.as_ref().map_or(0, String::len);
        let mut content = Zeroizing::new(Vec::with_capacity(6 * text + 128));
        match serde_json::to_writer(&mut *content, &stored) {
            Ok(()) => Some(content),
            Err(_) => {
                tracing::warn!("cannot serialize the token for the disk cache; it is used without caching it");
                None
            }
        }
    }

    /// Writes `content` to the token file `path` atomically: a new temporary file (mode 0600)
    /// in `dir`, renamed over `path` (replacing whatever was there, a symlink included, not its
    /// target). Logged on failure, with the temporary file removed.
    pub(super) fn write_token(dir: &Path, stem: &str, path: &Path, content: &[u8]) {
        let tmp = dir.join(format!(".{stem}.{}.tmp", uuid::Uuid::new_v4().simple()));
        let written =
            new_secret_file(&tmp).and_then(|mut f| f.write_all(content)).and_then(|()| fs::rename(&tmp, path));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            tracing::warn!(path = %path.display(), error = %e, "cannot write the token file of the disk cache; the token is used without caching it");
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};

    use super::*;

    /// The least lifetime a cached token must have left in these tests.
    const MIN: Duration = Duration::from_secs(60);

    /// A lock wait no test reaches unless it means to.
    const WAIT: Duration = Duration::from_secs(60);

    /// The key of most tests: like the lead's, it carries a pid.
    const KEY: &str = "iss=klient|aud=https://test.maskinporten.no/|scope=ks:fiks|pid=12345678901";

    /// A token as Maskinporten would give it.
    fn token(access_token: &str, expires_in: u64) -> Token {
        Token::new(access_token.to_string(), "Bearer".to_string(), expires_in, Some("ks:fiks".to_string()))
    }

    /// A cache in a new directory `cache` inside `tmp`.
    fn cache_in(tmp: &tempfile::TempDir) -> DiskCache {
        DiskCache::open(Some(&tmp.path().join("cache"))).expect("open the cache")
    }

    /// `get_or_fetch` of `key` whose fetch (counted in `calls`) gives `access_token`.
    async fn get(cache: &DiskCache, key: &str, calls: &AtomicUsize, access_token: &str, expires_in: u64) -> Token {
        cache
            .get_or_fetch(key, MIN, WAIT, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(token(access_token, expires_in))
            })
            .await
            .expect("a token")
    }

    /// The names of the files in `dir`.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    }

    /// The token file of `key`.
    fn token_file(cache: &DiskCache, key: &str) -> PathBuf {
        cache.dir().join(format!("{}.token", file_stem(key)))
    }

    /// Writes `content` to `path` with mode `mode`.
    fn write_file(path: &Path, content: &[u8], mode: u32) {
        std::fs::write(path, content).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Now plus `secs`, in seconds since the Unix epoch.
    fn unix_in(secs: u64) -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + secs
    }

    #[tokio::test]
    async fn a_second_call_gets_the_stored_token_without_fetching() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache_in(&tmp);
        let calls = AtomicUsize::new(0);
        assert_eq!(get(&cache, KEY, &calls, "token-1", 3600).await.access_token(), "token-1");
        let again = get(&cache, KEY, &calls, "token-2", 3600).await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(again.access_token(), "token-1");
        assert_eq!(again.token_type, "Bearer");
        assert_eq!(again.scope.as_deref(), Some("ks:fiks"));
        assert!((3590..=3600).contains(&again.expires_in), "expires_in {}", again.expires_in);
        // Another cache of the same directory (another process) gets it as well.
        let other = DiskCache::open(Some(cache.dir())).unwrap();
        assert_eq!(get(&other, KEY, &calls, "token-3", 3600).await.access_token(), "token-1");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_token_that_expires_too_soon_is_fetched_again() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache_in(&tmp);
        let calls = AtomicUsize::new(0);
        get(&cache, KEY, &calls, "short", MIN.as_secs() / 2).await;
        assert_eq!(get(&cache, KEY, &calls, "long", 3600).await.access_token(), "long");
        assert_eq!(get(&cache, KEY, &calls, "unused", 3600).await.access_token(), "long");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_callers_fetch_once() {
        const CALLERS: usize = 16;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cache");
        let calls = Arc::new(AtomicUsize::new(0));
        let start = Arc::new(tokio::sync::Barrier::new(CALLERS));
        let tasks: Vec<_> = (0..CALLERS)
            .map(|n| {
                let (dir, calls, start) = (dir.clone(), calls.clone(), start.clone());
                tokio::spawn(async move {
                    // Its own cache, so its own open lock file: as separate processes have.
                    let cache = DiskCache::open(Some(&dir)).unwrap();
                    start.wait().await;
                    let fetch = || async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        // Long enough for the others to queue on the lock (the count does not
                        // depend on it).
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(token(&format!("token-{n}"), 3600))
                    };
                    cache.get_or_fetch(KEY, MIN, WAIT, fetch).await.unwrap().access_token().to_string()
                })
            })
            .collect();
        let mut got = Vec::new();
        for task in tasks {
            got.push(task.await.unwrap());
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(got.iter().all(|t| *t == got[0]), "{got:?}");
    }

    #[tokio::test]
    async fn a_lock_held_too_long_is_passed_by() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache_in(&tmp);
        let held = std::fs::File::create(cache.dir().join(format!("{}.lock", file_stem(KEY)))).unwrap();
        held.lock().unwrap();
        let calls = AtomicUsize::new(0);
        let fetched = cache
            .get_or_fetch(KEY, MIN, Duration::ZERO, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(token("unlocked", 3600))
            })
            .await
            .unwrap();
        assert_eq!(fetched.access_token(), "unlocked");
        drop(held);
        // It was written all the same.
        assert_eq!(get(&cache, KEY, &calls, "unused", 3600).await.access_token(), "unlocked");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn different_keys_have_different_files() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache_in(&tmp);
        let calls = AtomicUsize::new(0);
        get(&cache, "key-a", &calls, "token-a", 3600).await;
        get(&cache, "key-b", &calls, "token-b", 3600).await;
        assert_ne!(token_file(&cache, "key-a"), token_file(&cache, "key-b"));
        assert_eq!(names(cache.dir()).iter().filter(|n| n.ends_with(".token")).count(), 2);
        assert_eq!(get(&cache, "key-a", &calls, "unused", 3600).await.access_token(), "token-a");
        assert_eq!(get(&cache, "key-b", &calls, "unused", 3600).await.access_token(), "token-b");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn files_are_private_and_named_by_the_hash_of_the_key() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache_in(&tmp);
        assert_eq!(std::fs::metadata(cache.dir()).unwrap().mode() & 0o777, 0o700);
        let calls = AtomicUsize::new(0);
        get(&cache, KEY, &calls, "secret-token", 3600).await;
        let stem = file_stem(KEY);
        assert_eq!(stem.len(), 64);
        assert!(stem.bytes().all(|b| b.is_ascii_hexdigit()));
        // The lock and the token: no probe or temporary file is left.
        assert_eq!(names(cache.dir()), [format!("{stem}.lock"), format!("{stem}.token")]);
        for name in names(cache.dir()) {
            let path = cache.dir().join(&name);
            assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600, "{name}");
            let content = std::fs::read_to_string(&path).unwrap();
            assert!(!content.contains("12345678901") && !name.contains("12345678901"), "{name}");
        }
        let stored: serde_json::Value =
            serde_json::from_slice(&std::fs::read(token_file(&cache, KEY)).unwrap()).unwrap();
        let expires_at = stored["expires_at"].as_u64().unwrap();
        assert!((unix_in(3590)..=unix_in(3600)).contains(&expires_at));
        assert_eq!(
            stored,
            serde_json::json!({"v": 1, "access_token": "secret-token", "token_type": "Bearer", "scope": "ks:fiks", "expires_at": expires_at})
        );
    }

    /// Places `content` (mode `mode`) as the token file of [`KEY`], and checks that it is
    /// ignored and replaced by a fetched token that the next call reads.
    async fn assert_ignored_and_replaced(content: &[u8], mode: u32) {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache_in(&tmp);
        write_file(&token_file(&cache, KEY), content, mode);
        let calls = AtomicUsize::new(0);
        assert_eq!(get(&cache, KEY, &calls, "fresh", 3600).await.access_token(), "fresh");
        assert_eq!(get(&cache, KEY, &calls, "unused", 3600).await.access_token(), "fresh");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(std::fs::metadata(token_file(&cache, KEY)).unwrap().mode() & 0o777, 0o600);
    }

    /// A valid token file's content, expiring `expires_at`.
    fn stored(v: u32, expires_at: u64) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "v": v, "access_token": "old", "token_type": "Bearer", "scope": null, "expires_at": expires_at
        }))
        .unwrap()
    }

    #[tokio::test]
    async fn a_corrupt_file_is_replaced() {
        assert_ignored_and_replaced(b"{\"v\":1,\"access_tok", 0o600).await;
        assert_ignored_and_replaced(b"", 0o600).await;
        assert_ignored_and_replaced(&vec![b' '; 70 * 1024], 0o600).await;
    }

    #[tokio::test]
    async fn a_foreign_or_implausible_file_is_replaced() {
        assert_ignored_and_replaced(&stored(2, unix_in(3600)), 0o600).await;
        assert_ignored_and_replaced(&stored(1, unix_in(48 * 3600)), 0o600).await;
        assert_ignored_and_replaced(&stored(1, u64::MAX), 0o600).await;
    }

    #[tokio::test]
    async fn a_file_others_can_read_is_replaced() {
        // The same content is used when its mode is right.
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache_in(&tmp);
        write_file(&token_file(&cache, KEY), &stored(1, unix_in(3600)), 0o600);
        let calls = AtomicUsize::new(0);
        assert_eq!(get(&cache, KEY, &calls, "unused", 3600).await.access_token(), "old");
        assert_eq!(calls.load(Ordering::SeqCst), 0);

        assert_ignored_and_replaced(&stored(1, unix_in(3600)), 0o640).await;
        assert_ignored_and_replaced(&stored(1, unix_in(3600)), 0o604).await;
    }

    #[tokio::test]
    async fn a_symlinked_file_is_replaced_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache_in(&tmp);
        let target = tmp.path().join("elsewhere");
        let content = stored(1, unix_in(3600));
        write_file(&target, &content, 0o600);
        std::os::unix::fs::symlink(&target, token_file(&cache, KEY)).unwrap();
        let calls = AtomicUsize::new(0);
        assert_eq!(get(&cache, KEY, &calls, "fresh", 3600).await.access_token(), "fresh");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(!std::fs::symlink_metadata(token_file(&cache, KEY)).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), content);
    }

    #[tokio::test]
    async fn files_and_directories_of_another_user_are_not_used() {
        // Giving a file away takes root: elsewhere there is nothing to check.
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache_in(&tmp);
        let path = token_file(&cache, KEY);
        write_file(&path, &stored(1, unix_in(3600)), 0o600);
        const NOBODY: u32 = 65534;
        match std::os::unix::fs::chown(&path, Some(NOBODY), None) {
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => return,
            other => other.unwrap(),
        }
        let calls = AtomicUsize::new(0);
        assert_eq!(get(&cache, KEY, &calls, "fresh", 3600).await.access_token(), "fresh");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(std::fs::metadata(&path).unwrap().uid(), cache.uid);

        let theirs = tmp.path().join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        std::os::unix::fs::chown(&theirs, Some(NOBODY), None).unwrap();
        let err = DiskCache::open(Some(&theirs)).err().expect("refused");
        assert_eq!(err.config_key(), Some("token_cache_dir"));
        assert!(err.to_string().contains("not owned by the current user"), "{err}");
        assert!(names(&theirs).is_empty(), "the probe is removed");
    }

    #[tokio::test]
    async fn a_fetch_error_is_returned_and_leaves_no_token_file() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache_in(&tmp);
        let err = cache
            .get_or_fetch(KEY, MIN, WAIT, || async { Err(Error::usage("no token today")) })
            .await
            .expect_err("the fetch's error");
        assert_eq!(err.to_string(), Error::usage("no token today").to_string());
        // Only the lock file, which is kept (see the module's doc).
        assert_eq!(names(cache.dir()), [format!("{}.lock", file_stem(KEY))]);
    }

    #[tokio::test]
    async fn remove_makes_the_next_call_fetch() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache_in(&tmp);
        let calls = AtomicUsize::new(0);
        get(&cache, KEY, &calls, "refused", 3600).await;
        cache.remove(KEY);
        assert!(!token_file(&cache, KEY).exists());
        cache.remove(KEY);
        cache.remove("a key that was never used");
        assert_eq!(get(&cache, KEY, &calls, "fresh", 3600).await.access_token(), "fresh");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn open_refuses_a_directory_others_can_write_to_a_symlink_or_a_file() {
        let tmp = tempfile::tempdir().unwrap();
        let refused = |path: &Path| {
            let err = DiskCache::open(Some(path)).err().expect("refused");
            assert_eq!(err.config_key(), Some("token_cache_dir"), "{err}");
            err.to_string()
        };
        for mode in [0o777, 0o770, 0o702] {
            let dir = tmp.path().join(format!("mode-{mode:o}"));
            std::fs::create_dir(&dir).unwrap();
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).unwrap();
            assert!(refused(&dir).contains("writable by group or others"));
        }
        let good = tmp.path().join("good");
        DiskCache::open(Some(&good)).unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&good, &link).unwrap();
        assert!(refused(&link).contains("symlink"));
        let file = tmp.path().join("file");
        std::fs::write(&file, b"").unwrap();
        assert!(refused(&file).contains("not a directory"));
        // An existing directory of the user's with mode 0755 is fine, and is not changed.
        let shared = tmp.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(DiskCache::open(Some(&shared)).unwrap().dir(), shared);
        assert_eq!(std::fs::metadata(&shared).unwrap().mode() & 0o777, 0o755);
    }

    #[test]
    fn open_creates_missing_parents() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a").join("b").join("cache");
        let cache = DiskCache::open(Some(&dir)).unwrap();
        assert_eq!(cache.dir(), dir);
        assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        assert!(names(&dir).is_empty());
    }

    #[test]
    fn the_default_directory_follows_xdg() {
        let os = |s: &str| Some(std::ffi::OsString::from(s));
        assert_eq!(
            default_dir(os("/run/user/1000"), os("/home/u/.xdg-cache"), os("/home/u")),
            Some(PathBuf::from("/run/user/1000/fiks-integrasjon"))
        );
        assert_eq!(
            default_dir(None, os("/home/u/.xdg-cache"), os("/home/u")),
            Some(PathBuf::from("/home/u/.xdg-cache/fiks-integrasjon"))
        );
        assert_eq!(
            default_dir(os(""), os("relative"), os("/home/u")),
            Some(PathBuf::from("/home/u/.cache/fiks-integrasjon"))
        );
        assert_eq!(default_dir(None, None, os("")), None);
    }
}
