//! The host side: the worker processes of one isolated plugin, and the
//! registry functions that call into them.

use std::ffi::OsString;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use arrow::array::ArrayRef;
use arrow::datatypes::Field;
use daft_core::options::FunctionOptions;
use daft_core::registry::ScalarFunction;
use daft_core::{DaftError, DaftResult};

use super::region::Region;
use super::wire::{
    decode_batch, encode_batch, read_frame, write_frame, Manifest, Request, Response,
};
use crate::adapter::{check_extension, option_values, plugin_bug};
use crate::STRICT;

/// The shortest time a new worker gets to start and open its plugin,
/// whatever the call timeout: starting an interpreter and mapping the
/// engine's library can take a few seconds on a loaded machine.
const MIN_STARTUP: Duration = Duration::from_secs(60);

/// A worker's shared region is shrunk back after a call that grew it past
/// this, so one large batch does not keep its memory for good.
const KEEP_REGION: usize = 64 << 20;

/// How a plugin loaded with `isolation="process"` is run.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessOptions {
    /// The program and arguments that start a worker; the plugin's path and
    /// the worker's two descriptors (socket, region) are appended. The
    /// Python binding starts its own interpreter on `daft/_plugin_worker.py`.
    pub command: Vec<OsString>,
    /// How long one return-type rule or kernel call may take before its
    /// worker is killed and the call fails.
    pub call_timeout: Duration,
    /// At most this many workers run at once (calls beyond wait for one).
    pub workers: usize,
}

/// Why a worker can no longer be used.
#[derive(Debug)]
enum Failure {
    /// The socket closed or broke: the worker died (or closed it).
    Gone,
    /// No answer within the call timeout.
    Timeout,
    /// It answered something that is not a valid answer.
    Protocol(String),
}

impl Failure {
    /// A socket error: the timeout set on the socket, or a broken one.
    fn of(e: &io::Error) -> Failure {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Failure::Timeout,
            _ => Failure::Gone,
        }
    }
}

/// One worker process and its channels.
struct Worker {
    child: Child,
    socket: UnixStream,
    region: Region,
}

impl Worker {
    /// Starts a worker for the plugin at `path` and reads the manifest it
    /// sends (or the error it hit opening the plugin).
    fn spawn(
        plugin: &str,
        path: &Path,
        options: &ProcessOptions,
    ) -> DaftResult<(Worker, DaftResult<Manifest>)> {
        let start_error = |e: String| DaftError::Plugin {
            plugin: plugin.to_string(),
            message: format!(
                "cannot start an isolated worker process for {}: {e}",
                path.display()
            ),
        };
        let (host_end, worker_end) = UnixStream::pair().map_err(|e| start_error(e.to_string()))?;
        let region = Region::create().map_err(|e| start_error(format!("shared memory: {e}")))?;
        let (program, args) = options
            .command
            .split_first()
            .ok_or_else(|| start_error("no worker command is set".into()))?;
        let fds = [worker_end.as_raw_fd(), region.file().as_raw_fd()];
        let mut command = Command::new(program);
        command
            .args(args)
            .arg(path)
            .arg(fds[0].to_string())
            .arg(fds[1].to_string())
            .stdin(Stdio::null())
            // Its own process group: a Ctrl-C in the terminal goes to the
            // host, which decides what happens to the query.
            .process_group(0);
        // SAFETY: the closure runs in the forked child before `exec` and
        // only calls `fcntl`, which is async-signal-safe; it clears
        // close-on-exec on the child's copies of the two descriptors the
        // worker is told about, and nothing else.
        unsafe {
            command.pre_exec(move || {
                for fd in fds {
                    if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                        return Err(io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        let child = command
            .spawn()
            .map_err(|e| start_error(format!("{}: {e}", program.to_string_lossy())))?;
        // Only the worker holds its end now, so its death closes the socket.
        drop(worker_end);
        let mut worker = Worker {
            child,
            socket: host_end,
            region,
        };
        let startup = options.call_timeout.max(MIN_STARTUP);
        let first = worker
            .set_timeout(startup)
            .map_err(|e| start_error(e.to_string()))
            .and_then(|()| match worker.receive() {
                Ok(Response::Manifest(m)) => Ok(Ok(m)),
                Ok(Response::Error(e)) => Ok(Err(e)),
                Ok(other) => Err(start_error(format!(
                    "it sent {other:?} before its manifest"
                ))),
                Err(f) => Err(DaftError::Plugin {
                    plugin: plugin.to_string(),
                    message: format!(
                        "opening {} in an isolated worker process: the worker {}",
                        path.display(),
                        worker.end(&f, startup)
                    ),
                }),
            });
        let first = first?;
        worker
            .set_timeout(options.call_timeout)
            .map_err(|e| start_error(e.to_string()))?;
        Ok((worker, first))
    }

    fn set_timeout(&self, timeout: Duration) -> io::Result<()> {
        self.socket.set_read_timeout(Some(timeout))?;
        self.socket.set_write_timeout(Some(timeout))
    }

    fn receive(&mut self) -> Result<Response, Failure> {
        match read_frame(&mut self.socket) {
            Ok(Some(frame)) => Response::decode(&frame).map_err(Failure::Protocol),
            Ok(None) => Err(Failure::Gone),
            Err(e) => Err(Failure::of(&e)),
        }
    }

    fn ask(&mut self, request: &Request) -> Result<Response, Failure> {
        let bytes = request.encode().map_err(Failure::Protocol)?;
        write_frame(&mut self.socket, &bytes).map_err(|e| Failure::of(&e))?;
        self.receive()
    }

    /// Stops the worker (if it still runs) and says how it ended, for the
    /// error message: "was killed by signal 11 (SIGSEGV)".
    fn end(&mut self, failure: &Failure, timeout: Duration) -> String {
        let pid = self.child.id();
        let status = match failure {
            Failure::Gone => self.reap_or_kill(),
            Failure::Timeout | Failure::Protocol(_) => {
                let _ = self.child.kill();
                self.child.wait().ok()
            }
        };
        let how = match failure {
            Failure::Timeout => format!(
                "did not answer within {}, so it was stopped",
                describe_duration(timeout)
            ),
            Failure::Protocol(e) => format!("broke the protocol ({e}), so it was stopped"),
            Failure::Gone => match status {
                Some(s) => describe_exit(s),
                None => "closed its connection".to_string(),
            },
        };
        format!("(pid {pid}) {how}")
    }

    /// The exit status of a worker whose socket closed: it is normally
    /// exiting already; one that closed the socket and lives on is killed.
    fn reap_or_kill(&mut self) -> Option<ExitStatus> {
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(_) => break,
            }
        }
        let _ = self.child.kill();
        self.child.wait().ok()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Reaped so that no zombie is left; a worker that is simply idle
        // also ends by itself once its socket closes.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn describe_exit(status: ExitStatus) -> String {
    if let Some(signal) = status.signal() {
        let name = match signal {
            libc::SIGSEGV => " (SIGSEGV)",
            libc::SIGABRT => " (SIGABRT)",
            libc::SIGBUS => " (SIGBUS)",
            libc::SIGFPE => " (SIGFPE)",
            libc::SIGILL => " (SIGILL)",
            libc::SIGKILL => " (SIGKILL)",
            libc::SIGTERM => " (SIGTERM)",
            _ => "",
        };
        format!("was killed by signal {signal}{name}")
    } else {
        match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => format!("ended ({status})"),
        }
    }
}

fn describe_duration(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

struct PoolState {
    idle: Vec<Worker>,
    live: usize,
}

/// The workers of one isolated plugin. Workers start on demand up to
/// [`ProcessOptions::workers`]; one that fails is dropped and the next
/// call starts a fresh one.
pub(crate) struct Pool {
    plugin: String,
    version: String,
    functions: Vec<String>,
    path: PathBuf,
    options: ProcessOptions,
    state: Mutex<PoolState>,
    freed: Condvar,
}

impl Pool {
    /// Starts the first worker of the plugin at `path` and returns the pool
    /// with the plugin's manifest. `label` names the plugin in errors until
    /// its manifest gives its name.
    pub(crate) fn start(
        label: &str,
        path: &Path,
        options: ProcessOptions,
    ) -> DaftResult<(Arc<Pool>, Manifest)> {
        let (worker, manifest) = Worker::spawn(label, path, &options)?;
        let manifest = manifest?;
        let pool = Pool {
            plugin: manifest.name.clone(),
            version: manifest.version.clone(),
            functions: manifest.functions.iter().map(|f| f.name.clone()).collect(),
            path: path.to_path_buf(),
            options,
            state: Mutex::new(PoolState {
                idle: vec![worker],
                live: 1,
            }),
            freed: Condvar::new(),
        };
        Ok((Arc::new(pool), manifest))
    }

    fn state(&self) -> MutexGuard<'_, PoolState> {
        // Every update is a push, a pop or a counter change: a panic while
        // the lock was held cannot have left the state half-written.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An idle worker, or a new one while fewer than the limit run, or
    /// (at the limit) the next one another call frees.
    fn checkout(&self) -> DaftResult<Worker> {
        let mut state = self.state();
        loop {
            if let Some(mut w) = state.idle.pop() {
                // One that died while idle (killed from outside, say) ran
                // nothing of this call: replace it without failing the call.
                if let Ok(None) = w.child.try_wait() {
                    return Ok(w);
                }
                state.live -= 1;
                continue;
            }
            if state.live < self.options.workers.max(1) {
                state.live += 1;
                drop(state);
                let spawned = self.respawn();
                if spawned.is_err() {
                    self.checkin(None);
                }
                return spawned;
            }
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Starts a replacement worker and checks that the file still holds
    /// the plugin that was loaded.
    fn respawn(&self) -> DaftResult<Worker> {
        let (worker, manifest) = Worker::spawn(&self.plugin, &self.path, &self.options)?;
        let manifest = manifest?;
        let functions: Vec<&str> = manifest.functions.iter().map(|f| f.name.as_str()).collect();
        if manifest.name != self.plugin
            || manifest.version != self.version
            || functions != self.functions
        {
            return Err(DaftError::Plugin {
                plugin: self.plugin.clone(),
                message: format!(
                    "{} changed since it was loaded (version {}, now plugin {:?} version {}); \
                     restart the process to use the new file",
                    self.path.display(),
                    self.version,
                    manifest.name,
                    manifest.version
                ),
            });
        }
        Ok(worker)
    }

    /// Returns a healthy worker to the pool, or forgets a failed one.
    fn checkin(&self, worker: Option<Worker>) {
        let mut state = self.state();
        match worker {
            Some(w) => state.idle.push(w),
            None => state.live -= 1,
        }
        drop(state);
        self.freed.notify_one();
    }

    /// Runs `work` on a worker. `what` names the part of `function` that
    /// runs ("its kernel"), for the error when the worker fails.
    fn run<T>(
        &self,
        function: &str,
        what: &str,
        work: impl FnOnce(&mut Worker) -> Result<DaftResult<T>, Failure>,
    ) -> DaftResult<T> {
        let mut worker = self.checkout()?;
        match work(&mut worker) {
            Ok(result) => {
                self.checkin(Some(worker));
                result
            }
            Err(failure) => {
                let how = worker.end(&failure, self.options.call_timeout);
                drop(worker);
                self.checkin(None);
                Err(plugin_bug(
                    &self.plugin,
                    function,
                    format!(
                        "{what} failed in the plugin's isolated worker process: the worker {how}; \
                         a new worker starts for the next call, so the query can be retried"
                    ),
                ))
            }
        }
    }
}

/// A function of an isolated plugin, as the registry calls it.
pub(crate) struct IsolatedFunction {
    pub(crate) pool: Arc<Pool>,
    pub(crate) name: String,
}

impl ScalarFunction for IsolatedFunction {
    fn return_field(&self, args: &[Field], options: &FunctionOptions) -> DaftResult<Field> {
        let request = Request::ReturnField {
            function: self.name.clone(),
            options: option_values(options),
            args: args.to_vec(),
        };
        let field = self.pool.run(&self.name, "its return-type rule", |w| {
            match w.ask(&request)? {
                Response::Field(f) => Ok(Ok(f)),
                Response::Error(e) => Ok(Err(e)),
                other => Err(Failure::Protocol(format!(
                    "answered a return-type request with {other:?}"
                ))),
            }
        })?;
        check_extension(&self.pool.plugin, &self.name, field)
    }

    fn call(
        &self,
        args: &[ArrayRef],
        options: &FunctionOptions,
        num_rows: usize,
    ) -> DaftResult<ArrayRef> {
        let options = option_values(options);
        let strict = STRICT.load(Ordering::Relaxed);
        self.pool.run(&self.name, "its kernel", |w| {
            let len = {
                let mut writer = match w.region.writer() {
                    Ok(writer) => writer,
                    Err(e) => return Err(Failure::Protocol(format!("shared memory: {e}"))),
                };
                if let Err(e) = encode_batch(&mut writer, args, num_rows) {
                    return Ok(Err(e));
                }
                writer.len()
            };
            let request = Request::Call {
                function: self.name.clone(),
                options,
                num_rows: num_rows as u64,
                strict,
                len,
            };
            match w.ask(&request)? {
                Response::Result { len } => {
                    let mut bytes = w
                        .region
                        .read(len)
                        .map_err(|e| Failure::Protocol(format!("shared memory: {e}")))?;
                    let mut columns = decode_batch(&mut bytes)
                        .map_err(|e| Failure::Protocol(format!("its result: {e}")))?;
                    w.region
                        .shrink(KEEP_REGION)
                        .map_err(|e| Failure::Protocol(format!("shared memory: {e}")))?;
                    if columns.len() != 1 {
                        return Err(Failure::Protocol(format!(
                            "{} result columns",
                            columns.len()
                        )));
                    }
                    Ok(Ok(columns.remove(0)))
                }
                Response::Error(e) => Ok(Err(e)),
                other => Err(Failure::Protocol(format!("answered a call with {other:?}"))),
            }
        })
    }
}
