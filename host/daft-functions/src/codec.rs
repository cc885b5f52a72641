//! Binary encodings and compression: encode/decode (base64, hex, utf-8) and
//! compress/decompress (gzip, zlib, deflate, zstd), each with a `try_` twin
//! that gives null where the plain one fails.
//!
//! Codecs come from the `base64`, `hex`, `flate2` and `zstd` crates, which
//! arrow and parquet already use. Unlike Daft 0.7.26, `decode` takes strings
//! too (base64 and hex text is usually a string column), and `decode` of
//! bytes that are no UTF-8 is an error (Daft gives null there silently).

use std::io::{Read, Write};
use std::sync::Arc;

use arrow::array::{ArrayRef, BinaryBuilder, StringBuilder};
use arrow::datatypes::DataType;
use base64::Engine;
use daft_core::options::FunctionOptions;
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::TypeClass;
use daft_core::{DaftError, DaftResult};

use crate::util::{function, Bytes};

/// A text encoding of bytes.
#[derive(Clone, Copy, PartialEq)]
enum Charset {
    Base64,
    Hex,
    Utf8,
}

fn charset(function: &str, opts: &FunctionOptions) -> DaftResult<Charset> {
    let name = opts.str("charset").unwrap_or_default();
    match name.to_ascii_lowercase().as_str() {
        "base64" => Ok(Charset::Base64),
        "hex" => Ok(Charset::Hex),
        "utf-8" | "utf8" => Ok(Charset::Utf8),
        _ => Err(DaftError::value_error(format!(
            "{function}: charset {name:?} is not supported; give \"base64\", \"hex\" or \"utf-8\""
        ))),
    }
}

/// A compression codec.
#[derive(Clone, Copy, PartialEq)]
enum Codec {
    Gzip,
    Zlib,
    Deflate,
    Zstd,
}

fn codec(function: &str, opts: &FunctionOptions) -> DaftResult<Codec> {
    let name = opts.str("codec").unwrap_or_default();
    match name.to_ascii_lowercase().as_str() {
        "gzip" | "gz" => Ok(Codec::Gzip),
        "zlib" => Ok(Codec::Zlib),
        "deflate" => Ok(Codec::Deflate),
        "zstd" | "zstandard" => Ok(Codec::Zstd),
        _ => Err(DaftError::value_error(format!(
            "{function}: codec {name:?} is not supported; give \"gzip\", \"zlib\", \"deflate\" \
             or \"zstd\""
        ))),
    }
}

/// Shows the start of a failing value in an error.
fn preview(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(24)];
    let more = if bytes.len() > head.len() { "…" } else { "" };
    format!("{:?}{more}", String::from_utf8_lossy(head))
}

/// The output of one row: bytes, or text for decode to utf-8.
enum Out {
    Binary(BinaryBuilder),
    Text(StringBuilder),
}

/// Runs `row` on the bytes of every row. A failing row is an error naming
/// the function and the value, or null when `lenient` (the `try_` twins).
fn map_rows(
    name: &str,
    input: &ArrayRef,
    n: usize,
    text: bool,
    lenient: bool,
    mut row: impl FnMut(&[u8], &mut Vec<u8>) -> Result<(), String>,
) -> DaftResult<ArrayRef> {
    let bytes = Bytes::new(input).ok_or_else(|| {
        DaftError::Internal(format!("{name}: unexpected input {}", input.data_type()))
    })?;
    let mut out = if text {
        Out::Text(StringBuilder::with_capacity(n, 0))
    } else {
        Out::Binary(BinaryBuilder::with_capacity(n, 0))
    };
    let mut buf = Vec::new();
    for i in 0..n {
        buf.clear();
        let result = bytes.with(i, |b| row(b, &mut buf).map_err(|why| (why, preview(b))));
        let ok = match result {
            None => false,
            Some(Ok(())) => true,
            Some(Err(_)) if lenient => false,
            Some(Err((why, value))) => {
                return Err(DaftError::compute(format!(
                    "{name}: row {i} ({value}) failed: {why}; use try_{name} to get null there"
                )))
            }
        };
        match (&mut out, ok) {
            (Out::Binary(b), true) => b.append_value(&buf),
            (Out::Binary(b), false) => b.append_null(),
            (Out::Text(b), true) => {
                // The row function checked that `buf` is UTF-8.
                b.append_value(
                    std::str::from_utf8(&buf).map_err(|e| DaftError::Internal(e.to_string()))?,
                )
            }
            (Out::Text(b), false) => b.append_null(),
        }
    }
    Ok(match out {
        Out::Binary(mut b) => Arc::new(b.finish()),
        Out::Text(mut b) => Arc::new(b.finish()),
    })
}

fn encode_row(cs: Charset, input: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    match cs {
        Charset::Base64 => {
            let mut s = String::new();
            base64::engine::general_purpose::STANDARD.encode_string(input, &mut s);
            out.extend_from_slice(s.as_bytes());
        }
        Charset::Hex => out.extend_from_slice(hex::encode(input).as_bytes()),
        Charset::Utf8 => {
            std::str::from_utf8(input).map_err(|e| format!("the bytes are no UTF-8 ({e})"))?;
            out.extend_from_slice(input);
        }
    }
    Ok(())
}

fn decode_row(cs: Charset, input: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    match cs {
        Charset::Base64 => base64::engine::general_purpose::STANDARD
            .decode_vec(input, out)
            .map_err(|e| format!("not base64 ({e})")),
        Charset::Hex => {
            out.extend(hex::decode(input).map_err(|e| format!("not hex ({e})"))?);
            Ok(())
        }
        Charset::Utf8 => {
            std::str::from_utf8(input).map_err(|e| format!("the bytes are no UTF-8 ({e})"))?;
            out.extend_from_slice(input);
            Ok(())
        }
    }
}

fn compress_row(c: Codec, input: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    use flate2::Compression;
    let io = |e: std::io::Error| e.to_string();
    match c {
        Codec::Gzip => {
            let mut w = flate2::write::GzEncoder::new(out, Compression::default());
            w.write_all(input).map_err(io)?;
            w.finish().map_err(io)?;
        }
        Codec::Zlib => {
            let mut w = flate2::write::ZlibEncoder::new(out, Compression::default());
            w.write_all(input).map_err(io)?;
            w.finish().map_err(io)?;
        }
        Codec::Deflate => {
            let mut w = flate2::write::DeflateEncoder::new(out, Compression::default());
            w.write_all(input).map_err(io)?;
            w.finish().map_err(io)?;
        }
        Codec::Zstd => {
            out.extend(zstd::bulk::compress(input, zstd::DEFAULT_COMPRESSION_LEVEL).map_err(io)?)
        }
    }
    Ok(())
}

fn decompress_row(c: Codec, input: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    match c {
        // Concatenated gzip members are one valid gzip value (as Python's
        // gzip reads them); bytes after the last member are an error.
        Codec::Gzip => {
            flate2::read::MultiGzDecoder::new(input)
                .read_to_end(out)
                .map_err(io)?;
        }
        Codec::Zlib => {
            flate2::read::ZlibDecoder::new(input)
                .read_to_end(out)
                .map_err(io)?;
        }
        Codec::Deflate => {
            flate2::read::DeflateDecoder::new(input)
                .read_to_end(out)
                .map_err(io)?;
        }
        Codec::Zstd => {
            zstd::stream::read::Decoder::with_buffer(input)
                .map_err(io)?
                .read_to_end(out)
                .map_err(io)?;
        }
    }
    Ok(())
}

/// The four operations, as plain data.
#[derive(Clone, Copy)]
enum Op {
    Encode,
    Decode,
    Compress,
    Decompress,
}

struct CodecFn {
    name: &'static str,
    op: Op,
    lenient: bool,
}

impl CodecFn {
    fn out_type(&self, opts: &FunctionOptions) -> DaftResult<DataType> {
        Ok(match self.op {
            Op::Decode if charset(self.name, opts)? == Charset::Utf8 => DataType::Utf8,
            Op::Encode | Op::Decode => {
                charset(self.name, opts)?;
                DataType::Binary
            }
            Op::Compress | Op::Decompress => {
                codec(self.name, opts)?;
                DataType::Binary
            }
        })
    }

    fn doc(&self) -> String {
        let (what, option, values, returns, example) = match self.op {
            Op::Encode => (
                "Each value's bytes encoded as text in `charset`.\n\nbase64 is the standard alphabet with padding, hex is lowercase; utf-8\nchecks that the bytes are UTF-8 and keeps them.",
                "charset",
                "\"base64\", \"hex\" or \"utf-8\"",
                "Binary (the encoded text's bytes)",
                "daft.functions.{name}(daft.col(\"b\"), \"base64\")",
            ),
            Op::Decode => (
                "Each value's text in `charset` decoded back to bytes.\n\nTakes binary or string values (base64 and hex text is often a string).",
                "charset",
                "\"base64\", \"hex\" or \"utf-8\"",
                "Binary, or String for \"utf-8\"",
                "daft.functions.{name}(daft.col(\"b\"), \"hex\")",
            ),
            Op::Compress => (
                "Each value's bytes compressed with `codec` (default level).",
                "codec",
                "\"gzip\", \"zlib\", \"deflate\" (raw) or \"zstd\"",
                "Binary",
                "daft.functions.{name}(daft.col(\"b\"), \"zstd\")",
            ),
            Op::Decompress => (
                "Each value decompressed with `codec`.",
                "codec",
                "\"gzip\", \"zlib\", \"deflate\" (raw) or \"zstd\"",
                "Binary",
                "daft.functions.{name}(daft.functions.compress(daft.col(\"b\"), \"gzip\"), \"gzip\")",
            ),
        };
        let failure = if self.lenient {
            "null where the value cannot be converted".to_string()
        } else {
            format!(
                "a value that cannot be converted is an error naming its row (try_{} gives null)",
                self.name
            )
        };
        format!(
            "{what}\n\nArgs:\n    expr: A binary or string expression.\n    {option}: {values}.\n\n\
             Returns:\n    Expression: {returns}; null stays null, and {failure}.\n\n\
             Example:\n    >>> df = daft.from_pydict({{\"b\": [b\"hello\", None]}})\n    >>> df.select({})\n",
            example.replace("{name}", self.name)
        )
    }
}

fn codec_fn(f: &'static CodecFn) -> FunctionDef {
    let option = match f.op {
        Op::Encode | Op::Decode => "charset",
        Op::Compress | Op::Decompress => "codec",
    };
    function(
        f.name,
        &f.doc(),
        vec![
            Param::expr("expr", TypeClass::BinaryLike),
            Param::required_option(option, OptionKind::Str),
        ],
        move |_, opts| f.out_type(opts),
        move |args, opts, n| {
            let text = f.out_type(opts)? == DataType::Utf8;
            let base = f.name.trim_start_matches("try_");
            match f.op {
                Op::Encode => {
                    let cs = charset(f.name, opts)?;
                    map_rows(base, &args[0], n, text, f.lenient, |b, out| {
                        encode_row(cs, b, out)
                    })
                }
                Op::Decode => {
                    let cs = charset(f.name, opts)?;
                    map_rows(base, &args[0], n, text, f.lenient, |b, out| {
                        decode_row(cs, b, out)
                    })
                }
                Op::Compress => {
                    let c = codec(f.name, opts)?;
                    map_rows(base, &args[0], n, text, f.lenient, |b, out| {
                        compress_row(c, b, out)
                    })
                }
                Op::Decompress => {
                    let c = codec(f.name, opts)?;
                    map_rows(base, &args[0], n, text, f.lenient, |b, out| {
                        decompress_row(c, b, out)
                    })
                }
            }
        },
    )
}

macro_rules! codec_fn {
    ($konst:ident, $name:literal, $op:expr, $lenient:expr) => {
        const $konst: CodecFn = CodecFn {
            name: $name,
            op: $op,
            lenient: $lenient,
        };
        inventory::submit! { BuiltinFunction(|| codec_fn(&$konst)) }
    };
}

codec_fn!(ENCODE, "encode", Op::Encode, false);
codec_fn!(TRY_ENCODE, "try_encode", Op::Encode, true);
codec_fn!(DECODE, "decode", Op::Decode, false);
codec_fn!(TRY_DECODE, "try_decode", Op::Decode, true);
codec_fn!(COMPRESS, "compress", Op::Compress, false);
codec_fn!(TRY_COMPRESS, "try_compress", Op::Compress, true);
codec_fn!(DECOMPRESS, "decompress", Op::Decompress, false);
codec_fn!(TRY_DECOMPRESS, "try_decompress", Op::Decompress, true);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_codec_round_trips_and_damaged_input_fails() {
        let data = b"hello hello hello \x00\xff";
        for c in [Codec::Gzip, Codec::Zlib, Codec::Deflate, Codec::Zstd] {
            let mut packed = Vec::new();
            compress_row(c, data, &mut packed).unwrap();
            let mut back = Vec::new();
            decompress_row(c, &packed, &mut back).unwrap();
            assert_eq!(back, data);
            let mut junk = Vec::new();
            assert!(decompress_row(c, b"\x01\x02\x03 not compressed", &mut junk).is_err());
        }
    }

    #[test]
    fn every_charset_round_trips_and_bad_text_fails() {
        for cs in [Charset::Base64, Charset::Hex] {
            let mut text = Vec::new();
            encode_row(cs, b"\x00\xffab", &mut text).unwrap();
            let mut back = Vec::new();
            decode_row(cs, &text, &mut back).unwrap();
            assert_eq!(back, b"\x00\xffab");
            assert!(decode_row(cs, b"!!!", &mut Vec::new()).is_err());
        }
        assert!(decode_row(Charset::Utf8, b"\xff", &mut Vec::new()).is_err());
    }
}
