//! The completion-based calls (`fiks_client_*_async`, `fiks_call_*`) through the extern
//! functions, as C calls them: success on the library thread, errors through the callback,
//! start errors that never run it, cancel before and during a fetch (one shared fetch for the
//! waiter that stays), exactly one callback per call under a cancel race, and every pending
//! callback run when the client is freed. "Pending" is made certain with the mock's
//! `hold_tokens`; time bounds are failure bounds only.

use std::ffi::{CString, c_char, c_void};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use fiks_integrasjon_mock::testing::{TestMock, wait_until};

use super::*;
use crate::fiks_status::*;

/// The failure bound of one wait.
const WAIT: Duration = Duration::from_secs(30);

struct Env {
    fixture: TestMock,
    config_path: CString,
}

fn env() -> Env {
    let fixture = TestMock::start();
    let config_path = CString::new(fixture.config_path().to_str().expect("utf-8 path")).expect("no NUL");
    Env { fixture, config_path }
}

impl Env {
    fn client(&self, pairs: &[(&str, &str)]) -> *mut fiks_client {
        let config = fiks_config_new();
        let mut e = ErrorOut::new();
        let mut client = ptr::null_mut();
        unsafe {
            assert_eq!(fiks_config_load_file(config, self.config_path.as_ptr(), e.out()), FIKS_OK, "{}", e.message());
            for (k, v) in pairs {
                let (k, v) = (CString::new(*k).unwrap(), CString::new(*v).unwrap());
                assert_eq!(fiks_config_set(config, k.as_ptr(), v.as_ptr(), e.out()), FIKS_OK, "{}", e.message());
            }
            assert_eq!(fiks_client_new(config, &mut client, e.out()), FIKS_OK, "{}", e.message());
            fiks_config_free(config);
        }
        assert!(!client.is_null());
        client
    }

    fn token_requests(&self) -> u64 {
        self.fixture.mock.counters().token_requests
    }
}

/// What one callback delivered (the owned result and error are read and freed in it).
#[derive(Clone, Debug, Default)]
struct Outcome {
    runs: usize,
    status: Option<fiks_status>,
    /// The token, the Authorization header, or "<status> <body>" of a response.
    value: Option<String>,
    /// Exactly one of result and error, and the error's kind is the status.
    shape_ok: bool,
    problem: Option<String>,
    http_status: u16,
    code: Option<String>,
    thread: Option<String>,
    on_test_thread: bool,
}

/// Where a callback leaves its outcome; `user_data` points at it.
struct Slot {
    outcome: Mutex<Outcome>,
    ran: Condvar,
    test_thread: std::thread::ThreadId,
}

impl Slot {
    fn new() -> Arc<Slot> {
        Arc::new(Slot { outcome: Mutex::default(), ran: Condvar::new(), test_thread: std::thread::current().id() })
    }

    fn user_data(self: &Arc<Slot>) -> *mut c_void {
        Arc::as_ptr(self).cast_mut().cast()
    }

    /// Waits for the callback (failing after [`WAIT`]).
    fn wait(&self) -> Outcome {
        let guard = self.outcome.lock().unwrap();
        let (guard, timeout) = self.ran.wait_timeout_while(guard, WAIT, |o| o.runs == 0).unwrap();
        assert!(!timeout.timed_out(), "the callback did not run within {WAIT:?}");
        guard.clone()
    }

    /// The outcome now, without waiting.
    fn now(&self) -> Outcome {
        self.outcome.lock().unwrap().clone()
    }

    fn deliver(&self, status: fiks_status, value: Option<String>, error: *mut fiks_error) {
        let mut o = self.outcome.lock().unwrap();
        o.runs += 1;
        o.status = Some(status);
        // SAFETY: `error` is NULL or an owned error handed to the callback; freed once here.
        unsafe {
            o.shape_ok = if status == FIKS_OK {
                value.is_some() && error.is_null()
            } else {
                value.is_none() && !error.is_null() && fiks_error_kind(error) == status
            };
            o.problem = text(fiks_error_problem(error));
            o.http_status = fiks_error_http_status(error);
            o.code = text(fiks_error_code(error));
            fiks_error_free(error);
        }
        o.value = value;
        o.thread = std::thread::current().name().map(str::to_string);
        o.on_test_thread = std::thread::current().id() == self.test_thread;
        self.ran.notify_all();
    }
}

unsafe extern "C" fn on_token(user_data: *mut c_void, status: fiks_status, token: *mut c_char, error: *mut fiks_error) {
    // SAFETY: `user_data` is a `Slot` the test keeps alive until the callback has run.
    let slot = unsafe { &*user_data.cast::<Slot>() };
    let value = text(token);
    // SAFETY: the callback owns the token.
    unsafe { fiks_string_free(token) };
    slot.deliver(status, value, error);
}

unsafe extern "C" fn on_headers(
    user_data: *mut c_void,
    status: fiks_status,
    headers: *mut fiks_headers,
    error: *mut fiks_error,
) {
    // SAFETY: as in `on_token`.
    let slot = unsafe { &*user_data.cast::<Slot>() };
    // SAFETY: the callback owns the headers (NULL or live).
    let value = (!headers.is_null() && unsafe { fiks_headers_count(headers) } == 3)
        .then(|| text(unsafe { fiks_headers_value(headers, 0) }).unwrap_or_default());
    unsafe { fiks_headers_free(headers) };
    slot.deliver(status, value, error);
}

unsafe extern "C" fn on_response(
    user_data: *mut c_void,
    status: fiks_status,
    response: *mut fiks_response,
    error: *mut fiks_error,
) {
    // SAFETY: as in `on_token`.
    let slot = unsafe { &*user_data.cast::<Slot>() };
    let value = (!response.is_null()).then(|| unsafe {
        let mut len = 0usize;
        let body = fiks_response_body(response, &mut len);
        let body = String::from_utf8_lossy(std::slice::from_raw_parts(body, len)).into_owned();
        format!("{} {body}", fiks_response_status(response))
    });
    // SAFETY: the callback owns the response.
    unsafe { fiks_response_free(response) };
    slot.deliver(status, value, error);
}

fn token_async(client: *mut fiks_client, slot: &Arc<Slot>, call: Option<&mut *mut fiks_call>) {
    let mut e = ErrorOut::new();
    let out = call.map_or(ptr::null_mut(), |c| c as *mut _);
    // SAFETY: valid arguments; the slot outlives the callback (the test waits for it).
    let s =
        unsafe { fiks_client_access_token_async(client, ptr::null(), Some(on_token), slot.user_data(), out, e.out()) };
    assert_eq!(s, FIKS_OK, "{}", e.message());
}

fn headers_async(client: *mut fiks_client, slot: &Arc<Slot>, call: Option<&mut *mut fiks_call>) {
    let mut e = ErrorOut::new();
    let out = call.map_or(ptr::null_mut(), |c| c as *mut _);
    // SAFETY: as above.
    let s = unsafe { fiks_client_headers_async(client, ptr::null(), Some(on_headers), slot.user_data(), out, e.out()) };
    assert_eq!(s, FIKS_OK, "{}", e.message());
}

fn new_request(method: &str, path: &str) -> *mut fiks_request {
    let (m, p) = (CString::new(method).unwrap(), CString::new(path).unwrap());
    let mut r = ptr::null_mut();
    let mut e = ErrorOut::new();
    // SAFETY: valid arguments.
    assert_eq!(unsafe { fiks_request_new(m.as_ptr(), p.as_ptr(), &mut r, e.out()) }, FIKS_OK, "{}", e.message());
    r
}

fn send_async(client: *mut fiks_client, method: &str, path: &str, slot: &Arc<Slot>, call: Option<&mut *mut fiks_call>) {
    let request = new_request(method, path);
    let mut e = ErrorOut::new();
    let out = call.map_or(ptr::null_mut(), |c| c as *mut _);
    // SAFETY: valid arguments; the request is copied, so it is freed at once.
    unsafe {
        let s = fiks_client_send_async(client, request, Some(on_response), slot.user_data(), out, e.out());
        fiks_request_free(request);
        assert_eq!(s, FIKS_OK, "{}", e.message());
    }
}

fn assert_delivered(o: &Outcome, status: fiks_status) {
    assert_eq!(o.runs, 1, "{o:?}");
    assert_eq!(o.status, Some(status), "{o:?}");
    assert!(o.shape_ok, "{o:?}");
    assert!(!o.on_test_thread, "{o:?}");
}

fn assert_on_library_thread(o: &Outcome) {
    assert_eq!(o.thread.as_deref(), Some("fiks-integrasjon"), "{o:?}");
}

fn assert_cancelled(o: &Outcome, problem: &str) {
    assert_delivered(o, FIKS_ERROR_CANCELLED);
    assert_eq!(o.problem.as_deref(), Some(problem), "{o:?}");
}

fn wait_finished(call: *mut fiks_call) {
    // SAFETY: a live call handle.
    wait_until("the call reports its end", || unsafe { fiks_call_is_finished(call) });
}

#[test]
fn each_async_call_succeeds_on_the_library_thread() {
    let env = env();
    let client = env.client(&[]);
    unsafe {
        let mut cached = ptr::null_mut();
        assert!(!fiks_client_cached_access_token(client, &mut cached), "cold: nothing cached");
        assert!(cached.is_null());

        let token = Slot::new();
        let mut call = ptr::null_mut();
        token_async(client, &token, Some(&mut call));
        let t = token.wait();
        assert_delivered(&t, FIKS_OK);
        assert_on_library_thread(&t);
        wait_finished(call);
        fiks_call_free(call);

        assert!(fiks_client_cached_access_token(client, &mut cached));
        assert_eq!(text(cached), t.value);
        fiks_string_free(cached);
        let mut h = ptr::null_mut();
        assert!(fiks_client_cached_headers(client, ptr::null(), &mut h));
        assert_eq!(text(fiks_headers_value(h, 0)), t.value.as_ref().map(|t| format!("Bearer {t}")));
        fiks_headers_free(h);

        let headers = Slot::new();
        headers_async(client, &headers, None);
        let h = headers.wait();
        assert_delivered(&h, FIKS_OK);
        assert_on_library_thread(&h);
        assert_eq!(h.value, t.value.as_ref().map(|t| format!("Bearer {t}")));

        let sok = Slot::new();
        send_async(client, "GET", "/echo", &sok, None);
        let s = sok.wait();
        assert_delivered(&s, FIKS_OK);
        assert!(s.value.as_deref().unwrap().starts_with("200 "), "{s:?}");
        assert_eq!(env.fixture.mock.counters().tokens_issued, 1, "one token for all");
        fiks_client_free(client);
    }
}

#[test]
fn errors_arrive_through_the_callback() {
    let env = env();
    let client = env.client(&[]);
    let api = Slot::new();
    send_async(client, "POST", "/status/400", &api, None);
    let a = api.wait();
    assert_delivered(&a, FIKS_ERROR_API);
    assert_eq!(a.http_status, 400);
    assert_eq!(a.code.as_deref(), Some("MOCK_FEIL"));
    // SAFETY: the client is not used afterwards.
    unsafe { fiks_client_free(client) };

    let refused = env.client(&[("issuer", "ukjent-klient")]);
    let token = Slot::new();
    token_async(refused, &token, None);
    let t = token.wait();
    assert_delivered(&t, FIKS_ERROR_TOKEN);
    assert!((400..500).contains(&t.http_status), "{t:?}");
    // SAFETY: as above.
    unsafe { fiks_client_free(refused) };
}

#[test]
fn start_errors_are_returned_and_the_callback_never_runs() {
    let env = env();
    let client = env.client(&[]);
    let slot = Slot::new();
    let mut e = ErrorOut::new();
    let mut call = ptr::null_mut();
    unsafe {
        let s = fiks_client_access_token_async(client, ptr::null(), None, slot.user_data(), &mut call, e.out());
        assert_eq!(s, FIKS_ERROR_INVALID_ARGUMENT);
        assert!(e.message().contains("callback"), "{}", e.message());
        let s = fiks_client_headers_async(
            ptr::null_mut(),
            ptr::null(),
            Some(on_headers),
            slot.user_data(),
            &mut call,
            e.out(),
        );
        assert_eq!(s, FIKS_ERROR_INVALID_ARGUMENT);
        let s = fiks_client_send_async(client, ptr::null(), Some(on_response), slot.user_data(), &mut call, e.out());
        assert_eq!(s, FIKS_ERROR_INVALID_ARGUMENT);
        let s =
            fiks_client_access_token_async(client, c" ".as_ptr(), Some(on_token), slot.user_data(), &mut call, e.out());
        assert_eq!(s, FIKS_ERROR_INVALID_ARGUMENT);
        let s = fiks_client_headers_async(
            client,
            c"https://evil.example.no/fiks/echo".as_ptr(),
            Some(on_headers),
            slot.user_data(),
            &mut call,
            e.out(),
        );
        assert_eq!(s, FIKS_ERROR_USAGE);
        assert_eq!(e.kind(), FIKS_ERROR_USAGE);
        assert!(call.is_null(), "nothing written on an error");
        // Every callback of a client has run when it is freed: none came.
        fiks_client_free(client);
    }
    assert_eq!(slot.now().runs, 0);
}

/// A callback that makes waiting calls on its client.
struct Inside {
    slot: Arc<Slot>,
    client: *mut fiks_client,
    request: Mutex<Option<fiks_status>>,
    scoped: Mutex<Option<fiks_status>>,
}

unsafe extern "C" fn on_token_waiting_inside(
    user_data: *mut c_void,
    status: fiks_status,
    token: *mut c_char,
    error: *mut fiks_error,
) {
    // SAFETY: an `Inside` the test keeps alive until the callback has run.
    let inside = unsafe { &*user_data.cast::<Inside>() };
    let mut e = ErrorOut::new();
    let mut resp = ptr::null_mut();
    let mut scoped = ptr::null_mut();
    // SAFETY: the client is alive (the test frees it after the callback).
    unsafe {
        let s =
            fiks_client_request(inside.client, c"GET".as_ptr(), c"/echo".as_ptr(), ptr::null(), 0, &mut resp, e.out());
        *inside.request.lock().unwrap() = Some(s);
        let s = fiks_client_access_token_for_scopes(inside.client, c"ks:fiks".as_ptr(), &mut scoped, e.out());
        *inside.scoped.lock().unwrap() = Some(s);
        fiks_response_free(resp);
        fiks_string_free(scoped);
        on_token(Arc::as_ptr(&inside.slot).cast_mut().cast(), status, token, error);
    }
}

#[test]
fn waiting_inside_a_callback_is_a_usage_error() {
    let env = env();
    let client = env.client(&[]);
    let inside = Inside { slot: Slot::new(), client, request: Mutex::new(None), scoped: Mutex::new(None) };
    let mut e = ErrorOut::new();
    unsafe {
        let user_data = ptr::from_ref(&inside).cast_mut().cast();
        let s = fiks_client_access_token_async(
            client,
            ptr::null(),
            Some(on_token_waiting_inside),
            user_data,
            ptr::null_mut(),
            e.out(),
        );
        assert_eq!(s, FIKS_OK);
        let o = inside.slot.wait();
        assert_delivered(&o, FIKS_OK);
        assert_eq!(*inside.request.lock().unwrap(), Some(FIKS_ERROR_USAGE));
        assert_eq!(*inside.scoped.lock().unwrap(), Some(FIKS_ERROR_USAGE));
        fiks_client_free(client);
    }
}

#[test]
fn cancel_before_and_during_a_token_fetch() {
    let env = env();
    env.fixture.mock.hold_tokens();
    let client = env.client(&[]);
    unsafe {
        // Before: cancelled at once; the token is held at the mock.
        let before = Slot::new();
        let mut call = ptr::null_mut();
        token_async(client, &before, Some(&mut call));
        assert!(!fiks_call_is_finished(call));
        fiks_call_cancel(call);
        fiks_call_cancel(call);
        assert_cancelled(&before.wait(), "cancelled");
        wait_finished(call);
        fiks_call_cancel(call);
        fiks_call_free(call);

        // During: the token request has reached the mock.
        let during = Slot::new();
        let mut call = ptr::null_mut();
        headers_async(client, &during, Some(&mut call));
        wait_until("the token request reached the mock", || env.token_requests() >= 1);
        assert_eq!(during.now().runs, 0, "the token is held");
        fiks_call_cancel(call);
        assert_cancelled(&during.wait(), "cancelled");
        fiks_call_free(call);
        assert_eq!(before.now().runs, 1, "once");
        env.fixture.mock.release_tokens();
        fiks_client_free(client);
    }
}

#[test]
fn cancelling_one_waiter_leaves_the_shared_fetch_to_the_other() {
    let env = env();
    env.fixture.mock.hold_tokens();
    let client = env.client(&[]);
    unsafe {
        let (a, b) = (Slot::new(), Slot::new());
        let (mut ac, mut bc) = (ptr::null_mut(), ptr::null_mut());
        token_async(client, &a, Some(&mut ac));
        headers_async(client, &b, Some(&mut bc));
        wait_until("the token request reached the mock", || env.token_requests() >= 1);
        fiks_call_cancel(ac);
        assert_cancelled(&a.wait(), "cancelled");
        assert_eq!(b.now().runs, 0, "the other still waits");
        env.fixture.mock.release_tokens();
        let got = b.wait();
        assert_delivered(&got, FIKS_OK);
        let counters = env.fixture.mock.counters();
        assert_eq!((counters.token_requests, counters.tokens_issued), (1, 1), "one shared fetch");
        fiks_call_free(ac);
        fiks_call_free(bc);
        fiks_client_free(client);
    }
}

#[test]
fn freeing_the_client_ends_every_pending_call_before_it_returns() {
    let env = env();
    env.fixture.mock.hold_tokens();
    let client = env.client(&[]);
    let slots: Vec<_> = (0..9).map(|_| Slot::new()).collect();
    let mut calls = vec![ptr::null_mut(); slots.len()];
    unsafe {
        for (i, (slot, call)) in slots.iter().zip(calls.iter_mut()).enumerate() {
            match i % 3 {
                0 => token_async(client, slot, Some(call)),
                1 => headers_async(client, slot, Some(call)),
                _ => send_async(client, "GET", "/echo", slot, if i == 8 { None } else { Some(call) }),
            }
        }
        wait_until("the token request reached the mock", || env.token_requests() >= 1);
        fiks_client_free(client);
        for slot in &slots {
            let o = slot.now();
            assert_eq!(o.runs, 1, "ran before fiks_client_free returned: {o:?}");
            assert_eq!(o.status, Some(FIKS_ERROR_CANCELLED));
            assert_eq!(o.problem.as_deref(), Some("client_closed"));
            assert!(o.shape_ok);
        }
        for call in calls {
            assert!(call.is_null() || fiks_call_is_finished(call));
            fiks_call_cancel(call);
            fiks_call_free(call);
        }
    }
    env.fixture.mock.release_tokens();
}

/// A callback that frees its client, or starts another call on it.
struct Acting {
    slot: Arc<Slot>,
    client: *mut fiks_client,
    free_client: bool,
    next: Option<Arc<Slot>>,
    next_started: Mutex<Option<fiks_status>>,
}

unsafe extern "C" fn on_token_acting(
    user_data: *mut c_void,
    status: fiks_status,
    token: *mut c_char,
    error: *mut fiks_error,
) {
    // SAFETY: an `Acting` the test keeps alive until the callback has run.
    let acting = unsafe { &*user_data.cast::<Acting>() };
    unsafe {
        if let Some(next) = &acting.next {
            let s = fiks_client_headers_async(
                acting.client,
                ptr::null(),
                Some(on_headers),
                next.user_data(),
                ptr::null_mut(),
                ptr::null_mut(),
            );
            *acting.next_started.lock().unwrap() = Some(s);
        }
        if acting.free_client {
            fiks_client_free(acting.client);
        }
        on_token(Arc::as_ptr(&acting.slot).cast_mut().cast(), status, token, error);
    }
}

#[test]
fn a_callback_may_start_calls_and_free_the_client() {
    let env = env();
    let client = env.client(&[]);
    unsafe {
        // Starts another call from inside.
        let next = Slot::new();
        let acting = Acting {
            slot: Slot::new(),
            client,
            free_client: false,
            next: Some(next.clone()),
            next_started: Mutex::new(None),
        };
        let s = fiks_client_access_token_async(
            client,
            ptr::null(),
            Some(on_token_acting),
            ptr::from_ref(&acting).cast_mut().cast(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        assert_eq!(s, FIKS_OK);
        assert_delivered(&acting.slot.wait(), FIKS_OK);
        assert_eq!(*acting.next_started.lock().unwrap(), Some(FIKS_OK));
        assert_delivered(&next.wait(), FIKS_OK);

        // Frees the client while another call is held at the mock (a token for other scopes).
        env.fixture.mock.hold_tokens();
        let before = env.token_requests();
        let held = Slot::new();
        let s = fiks_client_access_token_async(
            client,
            c"ks:fiks ks:annet".as_ptr(),
            Some(on_token),
            held.user_data(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        assert_eq!(s, FIKS_OK);
        wait_until("the second token request reached the mock", || env.token_requests() > before);
        let freeing =
            Acting { slot: Slot::new(), client, free_client: true, next: None, next_started: Mutex::new(None) };
        let s = fiks_client_access_token_async(
            client,
            ptr::null(),
            Some(on_token_acting),
            ptr::from_ref(&freeing).cast_mut().cast(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        assert_eq!(s, FIKS_OK);
        assert_delivered(&freeing.slot.wait(), FIKS_OK);
        let h = held.wait();
        assert_cancelled(&h, "client_closed");
        env.fixture.mock.release_tokens();
    }
}

/// One call of the race: how often its callback ran and how it ended.
#[derive(Default)]
struct RaceCall {
    runs: AtomicUsize,
    status: AtomicU32,
    problem_ok: AtomicBool,
    /// The handle, published for the cancelling threads (NULL until then, or never).
    call: AtomicPtr<fiks_call>,
    /// Whether the call may be cancelled before its end.
    cancellable: AtomicBool,
}

struct Race {
    calls: Vec<RaceCall>,
    done: Mutex<usize>,
    all_done: Condvar,
}

fn race_finish(user_data: *mut c_void, status: fiks_status, error: *mut fiks_error) {
    // SAFETY: `user_data` is a `RaceCall` inside the `Race` the test keeps alive.
    let (race, index) = unsafe { &*user_data.cast::<(*const Race, usize)>() };
    let race = unsafe { &**race };
    let c = &race.calls[*index];
    c.runs.fetch_add(1, Ordering::SeqCst);
    c.status.store(status as u32, Ordering::SeqCst);
    // SAFETY: `error` is NULL or owned by the callback.
    let problem = unsafe { text(fiks_error_problem(error)) };
    c.problem_ok.store(status != FIKS_ERROR_CANCELLED || problem.as_deref() == Some("cancelled"), Ordering::SeqCst);
    unsafe { fiks_error_free(error) };
    *race.done.lock().unwrap() += 1;
    race.all_done.notify_all();
}

unsafe extern "C" fn race_token(u: *mut c_void, s: fiks_status, t: *mut c_char, e: *mut fiks_error) {
    unsafe { fiks_string_free(t) };
    race_finish(u, s, e);
}

unsafe extern "C" fn race_headers(u: *mut c_void, s: fiks_status, h: *mut fiks_headers, e: *mut fiks_error) {
    unsafe { fiks_headers_free(h) };
    race_finish(u, s, e);
}

unsafe extern "C" fn race_response(u: *mut c_void, s: fiks_status, r: *mut fiks_response, e: *mut fiks_error) {
    unsafe { fiks_response_free(r) };
    race_finish(u, s, e);
}

/// A small deterministic generator (xorshift), one per thread.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[test]
fn each_callback_runs_exactly_once_under_a_cancel_race() {
    const THREADS: usize = 4;
    const CALLS: usize = 200;
    let env = env();
    let client = env.client(&[]) as usize; // cold: the first calls share a fetch
    let race = Arc::new(Race {
        calls: (0..THREADS * CALLS).map(|_| RaceCall::default()).collect(),
        done: Mutex::new(0),
        all_done: Condvar::new(),
    });
    // user_data of call i: (race, i), kept alive until the end.
    let keys: Vec<(*const Race, usize)> = (0..THREADS * CALLS).map(|i| (Arc::as_ptr(&race), i)).collect();
    let keys_addr = keys.as_ptr() as usize;
    let stop = Arc::new(AtomicBool::new(false));
    let barrier = Arc::new(std::sync::Barrier::new(THREADS + 2));

    let cancellers: Vec<_> = (0..2u64)
        .map(|k| {
            let (race, stop, barrier) = (race.clone(), stop.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut seed = 0xca11 + k;
                barrier.wait();
                while !stop.load(Ordering::SeqCst) {
                    let c = &race.calls[(next(&mut seed) % (THREADS * CALLS) as u64) as usize];
                    let call = c.call.load(Ordering::SeqCst);
                    if call.is_null() {
                        std::thread::yield_now();
                    } else {
                        // SAFETY: published handles are freed only after this thread is joined.
                        unsafe { fiks_call_cancel(call) };
                    }
                }
            })
        })
        .collect();
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (race, barrier) = (race.clone(), barrier.clone());
            std::thread::spawn(move || {
                let client = client as *mut fiks_client;
                let keys = keys_addr as *const (*const Race, usize);
                let mut seed = 0x5eed_0000 + t as u64;
                let request = new_request("GET", "/echo");
                barrier.wait();
                for i in t * CALLS..(t + 1) * CALLS {
                    let c = &race.calls[i];
                    // SAFETY: `keys` lives until the test ends.
                    let user_data = unsafe { keys.add(i) }.cast_mut().cast::<c_void>();
                    let mode = next(&mut seed) % 5;
                    let mut call = ptr::null_mut();
                    let out = if mode == 4 { ptr::null_mut() } else { &mut call as *mut _ };
                    let mut e = ErrorOut::new();
                    // SAFETY: valid arguments; the client outlives the workers.
                    let s = unsafe {
                        match next(&mut seed) % 3 {
                            0 => fiks_client_access_token_async(
                                client,
                                ptr::null(),
                                Some(race_token),
                                user_data,
                                out,
                                e.out(),
                            ),
                            1 => fiks_client_headers_async(
                                client,
                                ptr::null(),
                                Some(race_headers),
                                user_data,
                                out,
                                e.out(),
                            ),
                            _ => fiks_client_send_async(client, request, Some(race_response), user_data, out, e.out()),
                        }
                    };
                    assert_eq!(s, FIKS_OK, "{}", e.message());
                    c.cancellable.store(mode < 3, Ordering::SeqCst);
                    if mode < 3 {
                        c.call.store(call, Ordering::SeqCst);
                    }
                    unsafe {
                        match mode {
                            0 => fiks_call_cancel(call),
                            1 => {
                                for _ in 0..next(&mut seed) % 400 {
                                    std::thread::yield_now();
                                }
                                fiks_call_cancel(call);
                            }
                            3 => {
                                // After its end: no effect.
                                let deadline = Instant::now() + WAIT;
                                while c.runs.load(Ordering::SeqCst) == 0 {
                                    assert!(Instant::now() < deadline, "call {i} never ended");
                                    std::thread::yield_now();
                                }
                                fiks_call_cancel(call);
                                fiks_call_cancel(call);
                                fiks_call_free(call);
                            }
                            _ => {}
                        }
                    }
                }
                // SAFETY: copied by every send; freed once.
                unsafe { fiks_request_free(request) };
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    {
        let done = race.done.lock().unwrap();
        let (done, timeout) =
            race.all_done.wait_timeout_while(done, Duration::from_secs(120), |d| *d < THREADS * CALLS).unwrap();
        assert!(!timeout.timed_out(), "only {} of {} callbacks ran", *done, THREADS * CALLS);
    }
    stop.store(true, Ordering::SeqCst);
    for c in cancellers {
        c.join().unwrap();
    }
    // A late duplicate would run before fiks_client_free returns.
    unsafe { fiks_client_free(client as *mut fiks_client) };
    let (mut ok, mut cancelled) = (0, 0);
    for (i, c) in race.calls.iter().enumerate() {
        assert_eq!(c.runs.load(Ordering::SeqCst), 1, "call {i}");
        assert!(c.problem_ok.load(Ordering::SeqCst), "call {i}");
        let status = c.status.load(Ordering::SeqCst);
        if status == FIKS_OK as u32 {
            ok += 1;
        } else {
            assert_eq!(status, FIKS_ERROR_CANCELLED as u32, "call {i}");
            assert!(c.cancellable.load(Ordering::SeqCst), "call {i} was never cancelled before its end");
            cancelled += 1;
        }
        // SAFETY: every handle still held is freed once, after the cancellers stopped.
        unsafe { fiks_call_free(c.call.swap(ptr::null_mut(), Ordering::SeqCst)) };
    }
    assert_eq!(*race.done.lock().unwrap(), THREADS * CALLS);
    eprintln!("cancel race: {ok} succeeded, {cancelled} cancelled");
    drop(keys);
}
