//! The messages between the host and an isolated plugin's worker process,
//! and their byte encoding.
//!
//! Every message is one frame on the socket: a little-endian `u32` length,
//! then that many bytes. Arrays never travel in frames: a `Call` and its
//! `Result` carry only the length of an Arrow IPC stream that the sender
//! wrote at the start of the shared region (`region.rs`). Fields and
//! types travel as Arrow IPC schema messages, so nested types, extension
//! metadata and field names survive unchanged.
//!
//! The encoding is plain data written field by field (no serde): the host
//! decodes whatever the worker sends with bounds checks, so a worker that
//! writes garbage gets an error naming the plugin, never a panic.

use std::io::{self, Read, Write};
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::ipc::reader::{StreamDecoder, StreamReader};
use arrow::ipc::writer::StreamWriter;
use daft_core::{DaftError, DaftResult};
use daft_plugin_api::abi::ParamSpec;
use daft_plugin_api::{OptionKind, TypeClass, Value};

/// The largest frame either side accepts (a manifest with long docstrings
/// is the biggest; arrays go through the region).
const MAX_FRAME: usize = 64 << 20;

/// What the host asks a worker.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Request {
    /// Run the return-type rule of `function` for these argument fields.
    ReturnField {
        function: String,
        options: Vec<(String, Value)>,
        args: Vec<Field>,
    },
    /// Run the kernel of `function` on the arguments in the region: an IPC
    /// stream of `len` bytes holding one batch of `num_rows` rows.
    Call {
        function: String,
        options: Vec<(String, Value)>,
        num_rows: u64,
        strict: bool,
        len: u64,
    },
}

/// One function of a plugin's manifest, as the worker read it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ManifestFunction {
    pub name: String,
    pub doc: String,
    pub params: Vec<(String, ParamSpec)>,
}

/// One extension type of a plugin's manifest.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ManifestType {
    pub name: String,
    pub storage: DataType,
    pub metadata: String,
}

/// A plugin's manifest, sent by a worker once it has opened the library.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Manifest {
    pub abi_version: (u32, u32),
    pub name: String,
    pub version: String,
    pub functions: Vec<ManifestFunction>,
    pub types: Vec<ManifestType>,
}

/// What a worker answers.
#[derive(Debug, Clone)]
pub(crate) enum Response {
    /// The plugin opened; its manifest. The first message of every worker.
    Manifest(Manifest),
    /// The result of a `ReturnField`.
    Field(Field),
    /// The result of a `Call`: an IPC stream of `len` bytes in the region.
    Result { len: u64 },
    /// The request failed with this error (the same one the in-process
    /// adapter would have raised).
    Error(DaftError),
}

/// Writes one frame.
pub(crate) fn write_frame(out: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|&n| n as usize <= MAX_FRAME)
        .ok_or_else(|| io::Error::other(format!("message of {} bytes", payload.len())))?;
    // One write, so a frame is one system call and never split by a
    // length already sent without its payload.
    let mut frame = Vec::with_capacity(4 + payload.len());
    frame.extend_from_slice(&len.to_le_bytes());
    frame.extend_from_slice(payload);
    out.write_all(&frame)?;
    out.flush()
}

/// Reads one frame; `Ok(None)` at a clean end of stream (the peer closed
/// the socket between frames).
pub(crate) fn read_frame(input: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match input.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::other(format!("message of {len} bytes")));
    }
    let mut payload = vec![0u8; len];
    input.read_exact(&mut payload)?;
    Ok(Some(payload))
}

/// Appends values to a message.
#[derive(Default)]
struct Encoder(Vec<u8>);

impl Encoder {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    fn strs(&mut self, v: &[String]) {
        self.u32(v.len() as u32);
        v.iter().for_each(|s| self.str(s));
    }
    fn fields(&mut self, fields: &[Field]) -> Result<(), String> {
        let bytes = fields_to_ipc(fields)?;
        self.bytes(&bytes);
        Ok(())
    }
    fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.u8(0),
            Value::Bool(b) => {
                self.u8(1);
                self.u8(*b as u8);
            }
            Value::Int(i) => {
                self.u8(2);
                self.u64(*i as u64);
            }
            Value::Float(x) => {
                self.u8(3);
                self.u64(x.to_bits());
            }
            Value::Str(s) => {
                self.u8(4);
                self.str(s);
            }
        }
    }
    fn options(&mut self, options: &[(String, Value)]) {
        self.u32(options.len() as u32);
        for (name, v) in options {
            self.str(name);
            self.value(v);
        }
    }
    fn param(&mut self, p: &ParamSpec) {
        match p {
            ParamSpec::Expr(c) => {
                self.u8(0);
                self.u8(type_class_code(*c));
            }
            ParamSpec::Variadic { accepts, min } => {
                self.u8(1);
                self.u8(type_class_code(*accepts));
                self.u64(*min as u64);
            }
            ParamSpec::Option { kind, default } => {
                self.u8(2);
                self.u8(option_kind_code(*kind));
                match default {
                    None => self.u8(0),
                    Some(v) => {
                        self.u8(1);
                        self.value(v);
                    }
                }
            }
        }
    }
}

/// Reads values from a message, failing (never panicking) on a short or
/// malformed one.
struct Decoder<'a>(&'a [u8]);

impl<'a> Decoder<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("message ends early".into());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = usize::try_from(self.u64()?).map_err(|_| "length too large".to_string())?;
        self.take(n)
    }
    fn str(&mut self) -> Result<String, String> {
        String::from_utf8(self.bytes()?.to_vec()).map_err(|_| "a string is not UTF-8".into())
    }
    fn count(&mut self) -> Result<usize, String> {
        let n = self.u32()? as usize;
        // Each element takes at least one byte: a count beyond what is
        // left is garbage, and must not size an allocation.
        if n > self.0.len() {
            return Err(format!("a count of {n} exceeds the message"));
        }
        Ok(n)
    }
    fn strs(&mut self) -> Result<Vec<String>, String> {
        (0..self.count()?).map(|_| self.str()).collect()
    }
    fn fields(&mut self) -> Result<Vec<Field>, String> {
        fields_from_ipc(self.bytes()?)
    }
    fn value(&mut self) -> Result<Value, String> {
        Ok(match self.u8()? {
            0 => Value::Null,
            1 => Value::Bool(self.u8()? != 0),
            2 => Value::Int(self.u64()? as i64),
            3 => Value::Float(f64::from_bits(self.u64()?)),
            4 => Value::Str(self.str()?),
            t => return Err(format!("unknown value tag {t}")),
        })
    }
    fn options(&mut self) -> Result<Vec<(String, Value)>, String> {
        (0..self.count()?)
            .map(|_| Ok((self.str()?, self.value()?)))
            .collect()
    }
    fn param(&mut self) -> Result<ParamSpec, String> {
        Ok(match self.u8()? {
            0 => ParamSpec::Expr(type_class_from_code(self.u8()?)?),
            1 => ParamSpec::Variadic {
                accepts: type_class_from_code(self.u8()?)?,
                min: usize::try_from(self.u64()?).map_err(|_| "minimum too large")?,
            },
            2 => ParamSpec::Option {
                kind: option_kind_from_code(self.u8()?)?,
                default: match self.u8()? {
                    0 => None,
                    _ => Some(self.value()?),
                },
            },
            t => return Err(format!("unknown parameter tag {t}")),
        })
    }
    fn end(&self) -> Result<(), String> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(format!("{} bytes left over", self.0.len()))
        }
    }
}

fn type_class_code(c: TypeClass) -> u8 {
    match c {
        TypeClass::Any => 0,
        TypeClass::Numeric => 1,
        TypeClass::Integer => 2,
        TypeClass::String => 3,
        TypeClass::Boolean => 4,
        TypeClass::BinaryLike => 5,
        TypeClass::List => 6,
        // Never in a manifest (it carries the class containing a precise
        // declaration), so an isolated plugin's functions keep those classes.
        TypeClass::Exact(_) | TypeClass::Extension(_) | TypeClass::SameAs(_) => 0,
    }
}

fn type_class_from_code(c: u8) -> Result<TypeClass, String> {
    Ok(match c {
        0 => TypeClass::Any,
        1 => TypeClass::Numeric,
        2 => TypeClass::Integer,
        3 => TypeClass::String,
        4 => TypeClass::Boolean,
        5 => TypeClass::BinaryLike,
        6 => TypeClass::List,
        _ => return Err(format!("unknown type class {c}")),
    })
}

fn option_kind_code(k: OptionKind) -> u8 {
    match k {
        OptionKind::Bool => 0,
        OptionKind::Int => 1,
        OptionKind::Float => 2,
        // DataType: never in a manifest (declared Str there, see `signature`).
        OptionKind::Str | OptionKind::DataType => 3,
    }
}

fn option_kind_from_code(c: u8) -> Result<OptionKind, String> {
    Ok(match c {
        0 => OptionKind::Bool,
        1 => OptionKind::Int,
        2 => OptionKind::Float,
        3 => OptionKind::Str,
        _ => return Err(format!("unknown option kind {c}")),
    })
}

/// `fields` as the bytes of an Arrow IPC stream with that schema and no
/// batches.
pub(crate) fn fields_to_ipc(fields: &[Field]) -> Result<Vec<u8>, String> {
    let schema = Schema::new(fields.to_vec());
    let mut out = Vec::new();
    let mut writer = StreamWriter::try_new(&mut out, &schema).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    drop(writer);
    Ok(out)
}

/// The fields of an IPC stream written by [`fields_to_ipc`].
pub(crate) fn fields_from_ipc(bytes: &[u8]) -> Result<Vec<Field>, String> {
    let reader = StreamReader::try_new(bytes, None).map_err(|e| format!("a schema: {e}"))?;
    let schema: Arc<Schema> = reader.schema();
    Ok(schema.fields().iter().map(|f| f.as_ref().clone()).collect())
}

/// Writes `columns` as an IPC stream of one batch of `num_rows` rows (a
/// batch without columns still carries its row count).
pub(crate) fn encode_batch(
    out: &mut impl std::io::Write,
    columns: &[ArrayRef],
    num_rows: usize,
) -> DaftResult<()> {
    let arrow = |e: arrow::error::ArrowError| {
        DaftError::Internal(format!("writing arrays for an isolated plugin: {e}"))
    };
    let fields: Vec<Field> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new_with_options(
        schema.clone(),
        columns.to_vec(),
        &RecordBatchOptions::new().with_row_count(Some(num_rows)),
    )
    .map_err(arrow)?;
    let mut writer = StreamWriter::try_new(out, &schema).map_err(arrow)?;
    writer.write(&batch).map_err(arrow)?;
    writer.finish().map_err(arrow)?;
    Ok(())
}

/// The columns of the one batch in an IPC stream, fully validated (the
/// decoder checks offsets, UTF-8 and dictionary keys), zero-copy from
/// `bytes`.
pub(crate) fn decode_batch(bytes: &mut arrow::buffer::Buffer) -> DaftResult<Vec<ArrayRef>> {
    let bad = |e: String| DaftError::Internal(format!("reading arrays of an isolated plugin: {e}"));
    let mut decoder = StreamDecoder::new();
    let mut batch = None;
    while !bytes.is_empty() {
        if let Some(b) = decoder.decode(bytes).map_err(|e| bad(e.to_string()))? {
            if batch.replace(b).is_some() {
                return Err(bad("more than one batch".into()));
            }
        }
    }
    decoder.finish().map_err(|e| bad(e.to_string()))?;
    let batch = batch.ok_or_else(|| bad("no batch".into()))?;
    Ok(batch.columns().to_vec())
}

impl Request {
    pub(crate) fn encode(&self) -> Result<Vec<u8>, String> {
        let mut e = Encoder::default();
        match self {
            Request::ReturnField {
                function,
                options,
                args,
            } => {
                e.u8(1);
                e.str(function);
                e.options(options);
                e.fields(args)?;
            }
            Request::Call {
                function,
                options,
                num_rows,
                strict,
                len,
            } => {
                e.u8(2);
                e.str(function);
                e.options(options);
                e.u64(*num_rows);
                e.u8(*strict as u8);
                e.u64(*len);
            }
        }
        Ok(e.0)
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, String> {
        let mut d = Decoder(bytes);
        let request = match d.u8()? {
            1 => Request::ReturnField {
                function: d.str()?,
                options: d.options()?,
                args: d.fields()?,
            },
            2 => Request::Call {
                function: d.str()?,
                options: d.options()?,
                num_rows: d.u64()?,
                strict: d.u8()? != 0,
                len: d.u64()?,
            },
            t => return Err(format!("unknown request tag {t}")),
        };
        d.end()?;
        Ok(request)
    }
}

impl Response {
    pub(crate) fn encode(&self) -> Result<Vec<u8>, String> {
        let mut e = Encoder::default();
        match self {
            Response::Manifest(m) => {
                e.u8(1);
                e.u32(m.abi_version.0);
                e.u32(m.abi_version.1);
                e.str(&m.name);
                e.str(&m.version);
                e.u32(m.functions.len() as u32);
                for f in &m.functions {
                    e.str(&f.name);
                    e.str(&f.doc);
                    e.u32(f.params.len() as u32);
                    for (name, p) in &f.params {
                        e.str(name);
                        e.param(p);
                    }
                }
                let names: Vec<String> = m.types.iter().map(|t| t.name.clone()).collect();
                let metadata: Vec<String> = m.types.iter().map(|t| t.metadata.clone()).collect();
                let storage: Vec<Field> = m
                    .types
                    .iter()
                    .map(|t| Field::new("storage", t.storage.clone(), true))
                    .collect();
                e.strs(&names);
                e.strs(&metadata);
                e.fields(&storage)?;
            }
            Response::Field(f) => {
                e.u8(2);
                e.fields(std::slice::from_ref(f))?;
            }
            Response::Result { len } => {
                e.u8(3);
                e.u64(*len);
            }
            Response::Error(err) => {
                e.u8(4);
                encode_error(&mut e, err);
            }
        }
        Ok(e.0)
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, String> {
        let mut d = Decoder(bytes);
        let response = match d.u8()? {
            1 => {
                let abi_version = (d.u32()?, d.u32()?);
                let name = d.str()?;
                let version = d.str()?;
                let functions = (0..d.count()?)
                    .map(|_| {
                        Ok(ManifestFunction {
                            name: d.str()?,
                            doc: d.str()?,
                            params: (0..d.count()?)
                                .map(|_| Ok((d.str()?, d.param()?)))
                                .collect::<Result<_, String>>()?,
                        })
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                let names = d.strs()?;
                let metadata = d.strs()?;
                let storage = d.fields()?;
                if names.len() != metadata.len() || names.len() != storage.len() {
                    return Err("extension type lists of different lengths".into());
                }
                let types = names
                    .into_iter()
                    .zip(metadata)
                    .zip(storage)
                    .map(|((name, metadata), f)| ManifestType {
                        name,
                        storage: f.data_type().clone(),
                        metadata,
                    })
                    .collect();
                Response::Manifest(Manifest {
                    abi_version,
                    name,
                    version,
                    functions,
                    types,
                })
            }
            2 => {
                let mut fields = d.fields()?;
                if fields.len() != 1 {
                    return Err(format!("{} fields for one return field", fields.len()));
                }
                Response::Field(fields.remove(0))
            }
            3 => Response::Result { len: d.u64()? },
            4 => Response::Error(decode_error(&mut d)?),
            t => return Err(format!("unknown response tag {t}")),
        };
        d.end()?;
        Ok(response)
    }
}

/// Errors keep their variant across the boundary, so an isolated plugin's
/// errors reach Python as the same exception classes as an in-process one's.
fn encode_error(e: &mut Encoder, err: &DaftError) {
    match err {
        DaftError::FieldNotFound { name, available } => {
            e.u8(0);
            e.str(name);
            e.strs(available);
        }
        DaftError::TypeError(m) => {
            e.u8(1);
            e.str(m);
        }
        DaftError::SchemaMismatch(m) => {
            e.u8(2);
            e.str(m);
        }
        DaftError::ValueError(m) => {
            e.u8(3);
            e.str(m);
        }
        DaftError::ComputeError(m) => {
            e.u8(4);
            e.str(m);
        }
        DaftError::FileNotFound(m) => {
            e.u8(5);
            e.str(m);
        }
        // A plugin does no remote I/O; a transient error crosses as plain I/O.
        DaftError::Io { path, message } | DaftError::Transient { path, message, .. } => {
            e.u8(6);
            e.str(path);
            e.str(message);
        }
        DaftError::Plugin { plugin, message } => {
            e.u8(7);
            e.str(plugin);
            e.str(message);
        }
        DaftError::Cancelled(m) => {
            e.u8(8);
            e.str(m);
        }
        DaftError::OutOfMemory(m) => {
            e.u8(9);
            e.str(m);
        }
        DaftError::Internal(m) => {
            e.u8(10);
            e.str(m);
        }
        // Raised by host-side Python UDFs only; its cause (a Python
        // exception) cannot cross a process, its text can.
        DaftError::UserCode { .. } => {
            e.u8(4);
            e.str(&err.to_string());
        }
    }
}

fn decode_error(d: &mut Decoder<'_>) -> Result<DaftError, String> {
    Ok(match d.u8()? {
        0 => DaftError::FieldNotFound {
            name: d.str()?,
            available: d.strs()?,
        },
        1 => DaftError::TypeError(d.str()?),
        2 => DaftError::SchemaMismatch(d.str()?),
        3 => DaftError::ValueError(d.str()?),
        4 => DaftError::ComputeError(d.str()?),
        5 => DaftError::FileNotFound(d.str()?),
        6 => DaftError::Io {
            path: d.str()?,
            message: d.str()?,
        },
        7 => DaftError::Plugin {
            plugin: d.str()?,
            message: d.str()?,
        },
        8 => DaftError::Cancelled(d.str()?),
        9 => DaftError::OutOfMemory(d.str()?),
        10 => DaftError::Internal(d.str()?),
        t => return Err(format!("unknown error tag {t}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest {
            abi_version: (1, 0),
            name: "geo".into(),
            version: "0.3.1".into(),
            functions: vec![ManifestFunction {
                name: "distance".into(),
                doc: "Great-circle distance, ünïcode.".into(),
                params: vec![
                    ("a".into(), ParamSpec::Expr(TypeClass::Numeric)),
                    (
                        "rest".into(),
                        ParamSpec::Variadic {
                            accepts: TypeClass::List,
                            min: 2,
                        },
                    ),
                    (
                        "unit".into(),
                        ParamSpec::Option {
                            kind: OptionKind::Str,
                            default: Some(Value::Str("km".into())),
                        },
                    ),
                    (
                        "eps".into(),
                        ParamSpec::Option {
                            kind: OptionKind::Float,
                            default: None,
                        },
                    ),
                ],
            }],
            types: vec![ManifestType {
                name: "geo.point".into(),
                storage: DataType::FixedSizeList(
                    Arc::new(Field::new("item", DataType::Float64, false)),
                    2,
                ),
                metadata: "{}".into(),
            }],
        }
    }

    #[test]
    fn every_message_survives_encoding_unchanged() {
        let requests = [
            Request::ReturnField {
                function: "distance".into(),
                options: vec![
                    ("unit".into(), Value::Str("m".into())),
                    ("eps".into(), Value::Float(f64::NAN)),
                    ("n".into(), Value::Int(-3)),
                    ("b".into(), Value::Bool(true)),
                    ("z".into(), Value::Null),
                ],
                args: vec![
                    Field::new("x", DataType::Int64, true),
                    Field::new("x", DataType::Utf8, false),
                ],
            },
            Request::Call {
                function: "distance".into(),
                options: vec![],
                num_rows: 8192,
                strict: true,
                len: 1 << 40,
            },
        ];
        for r in requests {
            let back = Request::decode(&r.encode().unwrap()).unwrap();
            // NaN != NaN: compare the encodings instead.
            assert_eq!(back.encode().unwrap(), r.encode().unwrap());
        }
        let Response::Manifest(back) =
            Response::decode(&Response::Manifest(manifest()).encode().unwrap()).unwrap()
        else {
            panic!("not a manifest")
        };
        assert_eq!(back, manifest());
        let err = DaftError::Plugin {
            plugin: "geo".into(),
            message: "function distance: kernel panicked: boom".into(),
        };
        let Response::Error(back) =
            Response::decode(&Response::Error(err).encode().unwrap()).unwrap()
        else {
            panic!("not an error")
        };
        assert!(matches!(back, DaftError::Plugin { ref plugin, .. } if plugin == "geo"));
    }

    #[test]
    fn a_truncated_or_padded_message_is_an_error_not_a_panic() {
        let bytes = Response::Manifest(manifest()).encode().unwrap();
        for cut in 0..bytes.len() {
            assert!(Response::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut padded = bytes.clone();
        padded.push(0);
        assert!(Response::decode(&padded).is_err());
        // A huge count must not size an allocation.
        let mut huge = vec![1u8];
        huge.extend_from_slice(&[0; 8]);
        huge.extend_from_slice(&0u64.to_le_bytes());
        huge.extend_from_slice(&0u64.to_le_bytes());
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(Response::decode(&huge).is_err());
    }

    #[test]
    fn frames_round_trip_and_a_clean_close_is_none() {
        let mut buf = Vec::new();
        write_frame(&mut buf, b"hello").unwrap();
        write_frame(&mut buf, b"").unwrap();
        let mut input = buf.as_slice();
        assert_eq!(read_frame(&mut input).unwrap().unwrap(), b"hello");
        assert_eq!(read_frame(&mut input).unwrap().unwrap(), b"");
        assert!(read_frame(&mut input).unwrap().is_none());
        let mut cut: &[u8] = &buf[..6];
        assert!(read_frame(&mut cut).is_err());
    }
}
