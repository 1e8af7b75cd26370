//! Awaitables without worker threads: calls started on the core's runtime
//! ([`fiks_integrasjon::blocking::Client::start`]) whose results reach the event loop in
//! batches.
//!
//! A [`Completions`] queue belongs to one event loop (made by `fiks_integrasjon._aio`). A call's
//! completion runs on the library thread: it pushes a converter (a Rust result that becomes a
//! Python object later) into the queue without the GIL, and only when the queue goes from
//! empty to non-empty does it take the GIL, once, to schedule the loop's drain callback
//! (`loop.call_soon_threadsafe` under asyncio, `TrioToken.run_sync_soon` under trio). The drain
//! runs on the loop's thread, converts every queued result there and resolves the waiters. So
//! 1,000 callers woken by one token cost one GIL hand-over, not 1,000.

use std::sync::Mutex;

use fiks_integrasjon::blocking::Call;
use pyo3::prelude::*;
use pyo3::types::PyList;

/// Turns a finished call's Rust result into `(ok, value)` on the loop's thread.
pub(crate) type Convert = Box<dyn FnOnce(Python<'_>) -> (bool, Py<PyAny>) + Send>;

/// The completions of one event loop, waiting to be drained there.
#[pyclass(module = "fiks_integrasjon._native", name = "_Completions", frozen)]
pub(crate) struct Completions {
    /// Finished calls by waiter id, and whether a drain is scheduled.
    queue: Mutex<(Vec<(u64, Convert)>, bool)>,
    /// `loop.call_soon_threadsafe` or `TrioToken.run_sync_soon`.
    schedule: Py<PyAny>,
    /// The loop side's drain callback (calls [`Completions::take`]).
    drain: Py<PyAny>,
}

impl Completions {
    /// Queues a finished call (on the library thread); schedules a drain when none is pending.
    pub(crate) fn push(&self, id: u64, convert: Convert) {
        let schedule = {
            let Ok(mut q) = self.queue.lock() else { return };
            q.0.push((id, convert));
            !std::mem::replace(&mut q.1, true)
        };
        if schedule {
            Python::attach(|py| {
                // A closed loop refuses: its waiters are gone with it.
                if let Err(e) = self.schedule.call1(py, (self.drain.clone_ref(py),)) {
                    tracing::debug!(error = %e, "the event loop refused a completion (closed?)");
                }
            });
        }
    }
}

#[pymethods]
impl Completions {
    #[new]
    fn new(schedule: Py<PyAny>, drain: Py<PyAny>) -> Completions {
        Completions { queue: Mutex::new((Vec::new(), false)), schedule, drain }
    }

    /// The finished calls as `[(id, ok, value), ...]`, converted here (on the loop's thread);
    /// a call finishing after this schedules the next drain.
    fn take<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let done = match self.queue.lock() {
            Ok(mut q) => {
                q.1 = false;
                std::mem::take(&mut q.0)
            }
            Err(_) => Vec::new(),
        };
        let list = PyList::empty(py);
        for (id, convert) in done {
            let (ok, value) = convert(py);
            list.append((id, ok, value))?;
        }
        Ok(list)
    }
}

/// A started call: `cancel()` it when its waiter is cancelled.
#[pyclass(module = "fiks_integrasjon._native", name = "_Call", frozen)]
pub(crate) struct PyCall {
    pub(crate) call: Call,
}

#[pymethods]
impl PyCall {
    /// Cancels the call; a token fetch other callers share goes on.
    fn cancel(&self) {
        self.call.cancel();
    }
}

/// A converter's result: `Ok` values as `(True, value)`, exceptions as `(False, exception)`.
pub(crate) fn settle(py: Python<'_>, value: PyResult<Py<PyAny>>) -> (bool, Py<PyAny>) {
    match value {
        Ok(v) => (true, v),
        Err(e) => (false, e.into_value(py).into_any()),
    }
}
