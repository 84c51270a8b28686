//! The blob envelope: codec version, data length and compression flag around the payload.

use alloc::{format, vec::Vec};

use ruzstd::decoding::{errors::FrameDecoderError, BlockDecodingStrategy, FrameDecoder};

use super::{BlobPayload, BLOB_DATA_CAPACITY};
use crate::error::BlobError;

/// Size of the envelope header: codec version 1 ‖ data length 3 ‖ compressed flag 1.
pub const ENVELOPE_HEADER_SIZE: usize = 5;

/// The most data an envelope can carry in one blob.
pub const MAX_ENVELOPE_DATA_SIZE: usize = BLOB_DATA_CAPACITY - ENVELOPE_HEADER_SIZE;

/// The default bound on a decompressed payload (64 MiB), against decompression bombs: far above
/// what a batch's blocks can hold, far below a guest's memory.
pub const MAX_PAYLOAD_SIZE: usize = 64 << 20;

/// The zstd frame magic number, which the envelope leaves out of compressed data.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Decoded bytes the zstd decoder produces between two checks of the size bound.
const DECODE_STEP: usize = 128 * 1024;

/// A blob envelope.
///
/// Encoding: codec version u8 ‖ data length u24 BE ‖ compressed flag u8 (0 or 1) ‖ data. When
/// the flag is 1, data is one zstd frame without its 4-byte magic number; otherwise it is the
/// payload itself. In a blob the envelope is followed by zero padding up to
/// [`BLOB_DATA_CAPACITY`] bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Codec version of the batch's fork ([`ForkName::codec_version`](crate::ForkName::codec_version)).
    pub codec_version: u8,
    /// Whether `data` is zstd-compressed.
    pub compressed: bool,
    /// The payload bytes, compressed or not.
    pub data: Vec<u8>,
}

impl Envelope {
    /// An envelope carrying `payload` uncompressed.
    pub fn uncompressed(payload: &BlobPayload, codec_version: u8) -> Result<Self, BlobError> {
        Ok(Self {
            codec_version,
            compressed: false,
            data: payload.to_bytes()?,
        })
    }

    /// An envelope carrying `payload`; with `compress`, zstd-compressed when that is smaller
    /// than the raw payload (as the reference codec decides), else uncompressed.
    #[cfg(feature = "zstd")]
    pub fn from_payload(
        payload: &BlobPayload,
        codec_version: u8,
        compress: bool,
    ) -> Result<Self, BlobError> {
        let raw = payload.to_bytes()?;
        if compress {
            let compressed = compress_magicless(&raw)?;
            if compressed.len() < raw.len() {
                return Ok(Self {
                    codec_version,
                    compressed: true,
                    data: compressed,
                });
            }
        }
        Ok(Self {
            codec_version,
            compressed: false,
            data: raw,
        })
    }

    /// The encoding (unpadded); fails if it does not fit in a blob.
    pub fn to_bytes(&self) -> Result<Vec<u8>, BlobError> {
        if self.data.len() > MAX_ENVELOPE_DATA_SIZE {
            return Err(BlobError::TooLarge {
                len: ENVELOPE_HEADER_SIZE + self.data.len(),
                capacity: BLOB_DATA_CAPACITY,
            });
        }
        // MAX_ENVELOPE_DATA_SIZE < 2^24, so the length fits in three bytes.
        let len = (self.data.len() as u32).to_be_bytes();
        let mut out = Vec::with_capacity(ENVELOPE_HEADER_SIZE + self.data.len());
        out.push(self.codec_version);
        out.extend_from_slice(&len[1..]);
        out.push(u8::from(self.compressed));
        out.extend_from_slice(&self.data);
        Ok(out)
    }

    /// Decodes an envelope, with or without its zero padding (e.g.
    /// [`Blob::envelope_bytes`](crate::Blob::envelope_bytes)): the version must be
    /// `expected_version`, the flag 0 or 1, the declared data must be present and every byte
    /// after it must be zero. Compressed data is not decompressed here (see
    /// [`Self::payload_bytes`]).
    pub fn decode(bytes: &[u8], expected_version: u8) -> Result<Self, BlobError> {
        if bytes.len() < ENVELOPE_HEADER_SIZE {
            return Err(BlobError::EnvelopeTruncated { len: bytes.len() });
        }
        if bytes[0] != expected_version {
            return Err(BlobError::CodecVersion {
                expected: expected_version,
                found: bytes[0],
            });
        }
        let declared = u32::from_be_bytes([0, bytes[1], bytes[2], bytes[3]]) as usize;
        let compressed = match bytes[4] {
            0 => false,
            1 => true,
            flag => return Err(BlobError::CompressedFlag(flag)),
        };
        let rest = &bytes[ENVELOPE_HEADER_SIZE..];
        if declared > rest.len() {
            return Err(BlobError::DataLength {
                declared,
                available: rest.len(),
            });
        }
        let (data, padding) = rest.split_at(declared);
        if let Some(at) = padding.iter().position(|&b| b != 0) {
            return Err(BlobError::TrailingBytes {
                offset: ENVELOPE_HEADER_SIZE + declared + at,
            });
        }
        Ok(Self {
            codec_version: bytes[0],
            compressed,
            data: data.to_vec(),
        })
    }

    /// The payload bytes, decompressed if needed, at most [`MAX_PAYLOAD_SIZE`] of them.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, BlobError> {
        self.payload_bytes_with_limit(MAX_PAYLOAD_SIZE)
    }

    /// The payload bytes, decompressed if needed; decompression stops with
    /// [`BlobError::DecompressedTooLarge`] past `limit` bytes.
    pub fn payload_bytes_with_limit(&self, limit: usize) -> Result<Vec<u8>, BlobError> {
        if self.compressed {
            decompress_magicless(&self.data, limit)
        } else {
            Ok(self.data.clone())
        }
    }

    /// The decoded payload (decompressed within [`MAX_PAYLOAD_SIZE`]).
    pub fn payload(&self) -> Result<BlobPayload, BlobError> {
        BlobPayload::decode(&self.payload_bytes()?)
    }
}

/// The unpadded envelope bytes of `payload` (see [`Envelope::from_payload`]).
#[cfg(feature = "zstd")]
pub fn encode_envelope(
    payload: &BlobPayload,
    codec_version: u8,
    compress: bool,
) -> Result<Vec<u8>, BlobError> {
    Envelope::from_payload(payload, codec_version, compress)?.to_bytes()
}

/// Decodes one zstd frame given without its magic number, producing at most `limit` bytes.
fn decompress_magicless(data: &[u8], limit: usize) -> Result<Vec<u8>, BlobError> {
    let zstd = |e: FrameDecoderError| BlobError::Zstd(format!("{e}"));
    let mut framed = Vec::with_capacity(ZSTD_MAGIC.len() + data.len());
    framed.extend_from_slice(&ZSTD_MAGIC);
    framed.extend_from_slice(data);
    let mut source = framed.as_slice();

    let mut decoder = FrameDecoder::new();
    // The window is what the decoder keeps in memory besides the output; a frame needing more
    // than `limit` (for a single-segment frame: declaring more content) is too large.
    decoder.set_max_window_size(limit as u64);
    decoder.reset(&mut source).map_err(|e| match e {
        FrameDecoderError::WindowSizeTooBig { .. } => BlobError::DecompressedTooLarge { limit },
        e => zstd(e),
    })?;
    let declared = decoder.content_size();
    if declared > limit as u64 {
        return Err(BlobError::DecompressedTooLarge { limit });
    }

    let mut out = Vec::new();
    loop {
        let finished = decoder
            .decode_blocks(&mut source, BlockDecodingStrategy::UptoBytes(DECODE_STEP))
            .map_err(zstd)?;
        if let Some(bytes) = decoder.collect() {
            out.extend_from_slice(&bytes);
        }
        if out.len() > limit {
            return Err(BlobError::DecompressedTooLarge { limit });
        }
        if finished {
            break;
        }
    }
    if !source.is_empty() {
        return Err(BlobError::TrailingCompressedBytes {
            extra: source.len(),
        });
    }
    if declared != 0 && declared != out.len() as u64 {
        return Err(BlobError::ContentSize {
            declared,
            decoded: out.len(),
        });
    }
    if out.is_empty() {
        return Err(BlobError::DecompressedEmpty);
    }
    Ok(out)
}

/// Compresses `raw` into one zstd frame and drops its magic number, with the reference's
/// encoder settings that standard zstd exposes: default level, window log 22, target block
/// size 124 KiB, content size in the header, no checksum, no dictionary id.
#[cfg(feature = "zstd")]
fn compress_magicless(raw: &[u8]) -> Result<Vec<u8>, BlobError> {
    use zstd::zstd_safe::CParameter;

    let failed = |e: std::io::Error| BlobError::Compression(format!("{e}"));
    let mut compressor = zstd::bulk::Compressor::new(0).map_err(failed)?;
    for parameter in [
        CParameter::WindowLog(22),
        CParameter::TargetCBlockSize(124 * 1024),
        CParameter::ContentSizeFlag(true),
        CParameter::ChecksumFlag(false),
        CParameter::DictIdFlag(false),
    ] {
        compressor.set_parameter(parameter).map_err(failed)?;
    }
    let frame = compressor.compress(raw).map_err(failed)?;
    match frame.strip_prefix(&ZSTD_MAGIC) {
        Some(rest) => Ok(rest.to_vec()),
        None => Err(BlobError::Compression(
            "zstd frame does not start with the magic number".into(),
        )),
    }
}
