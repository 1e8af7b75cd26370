//! Criterion benchmarks of the C ABI the way a C program uses it: the functions are looked up
//! in the built `libfiks_integrasjon.so` with `dlopen`/`dlsym` (as a C program's dynamic linker
//! or .NET's P/Invoke does) and called through `extern "C"` function pointers, against the
//! in-process mock over loopback.
//!
//! Group `c_abi`: `cached_headers` (fiks_client_headers + reading the 3 names and values +
//! fiks_headers_free) and `cached_token` (fiks_client_access_token + fiks_string_free).
//! `FIKS_BENCH_QUICK` set: a few iterations only. `FIKS_FFI_LIB` overrides the library path.

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::hint::black_box;
use std::path::PathBuf;
use std::ptr;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use fiks_integrasjon_mock::testing::TestMock;

// The ffi crate is a cdylib/staticlib only (its lib name collides with the core's rlib), so the
// benchmark binds to the shared library at run time, from libc's own dlopen/dlsym.
unsafe extern "C" {
    fn dlopen(filename: *const c_char, flags: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *const c_char;
}
const RTLD_NOW: c_int = 2;
const FIKS_OK: c_int = 0;

type Opaque = c_void;
type ConfigNew = unsafe extern "C" fn() -> *mut Opaque;
type ConfigLoadFile = unsafe extern "C" fn(*mut Opaque, *const c_char, *mut *mut Opaque) -> c_int;
type ConfigFree = unsafe extern "C" fn(*mut Opaque);
type ClientNew = unsafe extern "C" fn(*const Opaque, *mut *mut Opaque, *mut *mut Opaque) -> c_int;
type ClientFree = unsafe extern "C" fn(*mut Opaque);
type AccessToken = unsafe extern "C" fn(*mut Opaque, *mut *mut c_char, *mut *mut Opaque) -> c_int;
type StringFree = unsafe extern "C" fn(*mut c_char);
type Headers = unsafe extern "C" fn(*mut Opaque, *mut *mut Opaque, *mut *mut Opaque) -> c_int;
type HeadersCount = unsafe extern "C" fn(*const Opaque) -> usize;
type HeadersAt = unsafe extern "C" fn(*const Opaque, usize) -> *const c_char;
type HeadersFree = unsafe extern "C" fn(*mut Opaque);
type ErrorMessage = unsafe extern "C" fn(*const Opaque) -> *const c_char;

struct Api {
    config_new: ConfigNew,
    config_load_file: ConfigLoadFile,
    config_free: ConfigFree,
    client_new: ClientNew,
    client_free: ClientFree,
    access_token: AccessToken,
    string_free: StringFree,
    headers: Headers,
    headers_count: HeadersCount,
    headers_name: HeadersAt,
    headers_value: HeadersAt,
    headers_free: HeadersFree,
    error_message: ErrorMessage,
}

/// The shared library cargo built next to this benchmark (target/<profile>/deps/..).
fn library_path() -> PathBuf {
    if let Some(p) = std::env::var_os("FIKS_FFI_LIB") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("deps dir");
    for dir in [deps, deps.parent().expect("profile dir")] {
        let p = dir.join("libfiks_integrasjon.so");
        if p.exists() {
            return p;
        }
    }
    panic!("libfiks_integrasjon.so not found next to {} (set FIKS_FFI_LIB)", exe.display());
}

impl Api {
    fn load() -> Api {
        let path = library_path();
        eprintln!("c_abi: calling {}", path.display());
        let c_path = CString::new(path.to_str().expect("utf-8 path")).expect("path");
        // SAFETY: dlopen/dlsym with valid C strings; every symbol is cast to the signature the
        // C header (bindings/c/fiks_integrasjon.h) declares for it.
        unsafe {
            let handle = dlopen(c_path.as_ptr(), RTLD_NOW);
            if handle.is_null() {
                panic!("dlopen {}: {}", path.display(), CStr::from_ptr(dlerror()).to_string_lossy());
            }
            let sym = |name: &str| {
                let c = CString::new(name).expect("name");
                let p = dlsym(handle, c.as_ptr());
                assert!(!p.is_null(), "{name} not exported by {}", path.display());
                p
            };
            macro_rules! f {
                ($name:literal, $ty:ty) => {
                    std::mem::transmute::<*mut c_void, $ty>(sym($name))
                };
            }
            Api {
                config_new: f!("fiks_config_new", ConfigNew),
                config_load_file: f!("fiks_config_load_file", ConfigLoadFile),
                config_free: f!("fiks_config_free", ConfigFree),
                client_new: f!("fiks_client_new", ClientNew),
                client_free: f!("fiks_client_free", ClientFree),
                access_token: f!("fiks_client_access_token", AccessToken),
                string_free: f!("fiks_string_free", StringFree),
                headers: f!("fiks_client_headers", Headers),
                headers_count: f!("fiks_headers_count", HeadersCount),
                headers_name: f!("fiks_headers_name", HeadersAt),
                headers_value: f!("fiks_headers_value", HeadersAt),
                headers_free: f!("fiks_headers_free", HeadersFree),
                error_message: f!("fiks_error_message", ErrorMessage),
            }
        }
    }

    /// Panics with the library's error message unless `status` is FIKS_OK.
    fn check(&self, what: &str, status: c_int, error: *mut Opaque) {
        if status != FIKS_OK {
            // SAFETY: on failure the library wrote an owned error (or left it NULL).
            let msg = if error.is_null() {
                String::new()
            } else {
                unsafe { CStr::from_ptr((self.error_message)(error)) }.to_string_lossy().into_owned()
            };
            panic!("{what}: status {status}: {msg}");
        }
    }
}

fn quick() -> bool {
    std::env::var_os("FIKS_BENCH_QUICK").is_some()
}

fn c_abi(c: &mut Criterion) {
    let api = Api::load();
    let fixture = TestMock::start();
    let toml = CString::new(fixture.config_path().to_str().expect("utf-8")).expect("path");

    // SAFETY: the calls follow the ownership rules of ffi/ABI.md; every out-pointer is local.
    unsafe {
        let mut err: *mut Opaque = ptr::null_mut();
        let config = (api.config_new)();
        assert!(!config.is_null());
        api.check("fiks_config_load_file", (api.config_load_file)(config, toml.as_ptr(), &mut err), err);
        let mut client: *mut Opaque = ptr::null_mut();
        api.check("fiks_client_new", (api.client_new)(config, &mut client, &mut err), err);
        (api.config_free)(config);

        // The first call fetches the token; everything measured below is a cached read.
        let mut headers: *mut Opaque = ptr::null_mut();
        api.check("fiks_client_headers", (api.headers)(client, &mut headers, &mut err), err);
        assert_eq!((api.headers_count)(headers), 3);
        (api.headers_free)(headers);

        let mut g = c.benchmark_group("c_abi");
        g.bench_function("cached_headers", |b| {
            b.iter(|| {
                let mut h: *mut Opaque = ptr::null_mut();
                let status = (api.headers)(client, &mut h, ptr::null_mut());
                debug_assert_eq!(status, FIKS_OK);
                let n = (api.headers_count)(h);
                for i in 0..n {
                    black_box((api.headers_name)(h, i));
                    black_box((api.headers_value)(h, i));
                }
                (api.headers_free)(h);
                black_box(status)
            })
        });
        g.bench_function("cached_token", |b| {
            b.iter(|| {
                let mut t: *mut c_char = ptr::null_mut();
                let status = (api.access_token)(client, &mut t, ptr::null_mut());
                debug_assert_eq!(status, FIKS_OK);
                black_box(t);
                (api.string_free)(t);
                black_box(status)
            })
        });
        g.finish();
        (api.client_free)(client);
    }
    assert_eq!(fixture.mock.counters().token_requests, 1, "cached reads made no token requests");
}

fn config() -> Criterion {
    let c = Criterion::default();
    if quick() {
        c.warm_up_time(Duration::from_millis(100)).measurement_time(Duration::from_millis(300)).sample_size(10)
    } else {
        c.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
    }
}

criterion_group! { name = benches; config = config(); targets = c_abi }
criterion_main!(benches);
