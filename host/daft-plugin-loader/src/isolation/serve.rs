//! The worker side: opens one plugin in this (child) process and answers
//! the host's requests until the host closes the socket or goes away.

use std::collections::HashMap;
use std::fs::File;
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use arrow::array::Array;
use daft_core::{DaftError, DaftResult};

use super::region::Region;
use super::wire::{
    decode_batch, encode_batch, read_frame, write_frame, Manifest, ManifestFunction, ManifestType,
    Request, Response,
};
use crate::adapter::PluginFunction;

/// Serves the plugin at `plugin` over the socket and region whose
/// descriptors the host passed to this process. Returns when the host
/// closes the socket; exits the process if the host dies while a kernel
/// runs (a watchdog notices the new parent).
///
/// # Safety
///
/// `socket_fd` and `region_fd` must be open descriptors that nothing else
/// in this process owns: the host passes them for exactly this, and this
/// function takes ownership of them.
pub unsafe fn serve(plugin: &Path, socket_fd: RawFd, region_fd: RawFd) -> DaftResult<()> {
    let io = |e: std::io::Error| DaftError::Internal(format!("isolated plugin worker: {e}"));
    // SAFETY: the caller guarantees both descriptors are open and unowned.
    let (mut socket, region) = unsafe {
        (
            UnixStream::from_raw_fd(socket_fd),
            File::from_raw_fd(region_fd),
        )
    };
    let mut region = Region::open(region).map_err(io)?;
    watch_parent();

    let (manifest, functions) = match open(plugin) {
        Ok(opened) => opened,
        Err(e) => {
            send(&mut socket, &Response::Error(e))?;
            return Ok(());
        }
    };
    send(&mut socket, &Response::Manifest(manifest))?;

    while let Some(frame) = read_frame(&mut socket).map_err(io)? {
        let response = match Request::decode(&frame) {
            Ok(request) => answer(&functions, &mut region, request).unwrap_or_else(Response::Error),
            Err(e) => Response::Error(DaftError::Internal(format!(
                "isolated plugin worker: a malformed request: {e}"
            ))),
        };
        send(&mut socket, &response)?;
    }
    Ok(())
}

fn send(socket: &mut UnixStream, response: &Response) -> DaftResult<()> {
    let bytes = response.encode().map_err(DaftError::Internal)?;
    write_frame(socket, &bytes)
        .map_err(|e| DaftError::Internal(format!("isolated plugin worker: {e}")))
}

/// Ends this process when its parent (the host) is gone, so a worker stuck
/// in a kernel does not outlive the host. Polling the parent id works on
/// every Unix, where `PR_SET_PDEATHSIG` is Linux-only and tied to the
/// thread that spawned the worker, not its process.
fn watch_parent() {
    let parent = std::os::unix::process::parent_id();
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(500));
        if std::os::unix::process::parent_id() != parent {
            std::process::exit(0);
        }
    });
}

/// Opens the library exactly as an in-process load does (same checks,
/// same errors) and registers its extension types in this process, so the
/// adapter's checks of returned fields see them.
fn open(plugin: &Path) -> DaftResult<(Manifest, HashMap<String, PluginFunction>)> {
    let lib = crate::open_checked(plugin)?;
    let mut types = Vec::with_capacity(lib.types.len());
    for t in &lib.types {
        let storage = crate::ffi::import_data_type(&t.storage).map_err(|e| {
            crate::plugin_error(
                plugin,
                &lib.name,
                &lib.version,
                format!("extension type {:?}: {e}", t.name),
            )
        })?;
        types.push(ManifestType {
            name: t.name.clone(),
            storage,
            metadata: t.metadata.clone(),
        });
    }
    crate::register_types(
        types
            .iter()
            .map(|t| crate::ExtensionTypeInfo {
                name: t.name.clone(),
                plugin: lib.name.clone(),
                storage: t.storage.clone(),
                metadata: t.metadata.clone(),
            })
            .collect(),
    );
    let mut manifest = Manifest {
        abi_version: (lib.abi_version.major, lib.abi_version.minor),
        name: lib.name.clone(),
        version: lib.version.clone(),
        functions: Vec::with_capacity(lib.functions.len()),
        types,
    };
    let mut functions = HashMap::new();
    for f in lib.functions {
        manifest.functions.push(ManifestFunction {
            name: f.name.clone(),
            doc: f.doc,
            params: f.params,
        });
        functions.insert(
            f.name.clone(),
            PluginFunction {
                plugin: lib.name.clone(),
                name: f.name,
                handle: f.handle,
            },
        );
    }
    Ok((manifest, functions))
}

fn answer(
    functions: &HashMap<String, PluginFunction>,
    region: &mut Region,
    request: Request,
) -> DaftResult<Response> {
    let io = |e: std::io::Error| DaftError::Internal(format!("isolated plugin worker: {e}"));
    let lookup = |name: &str| {
        functions.get(name).ok_or_else(|| {
            DaftError::Internal(format!("isolated plugin worker: no function {name:?}"))
        })
    };
    match request {
        Request::ReturnField {
            function,
            options,
            args,
        } => Ok(Response::Field(
            lookup(&function)?.return_field_with(&args, &options)?,
        )),
        Request::Call {
            function,
            options,
            num_rows,
            strict,
            len,
        } => {
            let f = lookup(&function)?;
            let mut bytes = region.read(len).map_err(io)?;
            let args = decode_batch(&mut bytes)?;
            let num_rows = usize::try_from(num_rows)
                .map_err(|_| DaftError::Internal(format!("a call of {num_rows} rows")))?;
            let out = f.call_with(&args, &options, num_rows, strict)?;
            let mut writer = region.writer().map_err(io)?;
            // Its own length, not `num_rows`: a wrong count is the host's
            // to report, with the same message as for an in-process call.
            let rows = out.len();
            encode_batch(&mut writer, &[out], rows)?;
            Ok(Response::Result { len: writer.len() })
        }
    }
}
