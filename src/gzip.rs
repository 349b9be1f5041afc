//! Reading gzip files with std only: the RFC 1952 container around RFC 1951 deflate data.
//!
//! MNIST and its relatives are downloaded as `.gz` files. Not a part of the slides (their
//! `load_mnist` calls Python's `gzip` module); std has no decompressor, so here is a small one,
//! written to be read. It decodes all three block kinds of deflate, verifies the CRC-32 and the
//! length in the gzip trailer, and streams: [`GzDecoder`] is a [`Read`], so the IDX reader pulls
//! the decompressed bytes straight into its payload while the decoder holds only the 32 KiB
//! window that deflate's back-references may reach, plus one chunk of output.
//!
//! ```text
//! gzip member  = header (10 bytes + optional extra, name, comment, header CRC)
//!                deflate blocks, the last one flagged BFINAL
//!                CRC-32 of the data (4 bytes, little-endian), ISIZE = length mod 2^32 (4 bytes)
//! deflate block = BFINAL (1 bit), BTYPE (2 bits), then by BTYPE:
//!                 00 stored: byte-aligned LEN, NLEN = !LEN, LEN raw bytes
//!                 01 fixed Huffman codes (RFC 1951 §3.2.6)
//!                 10 dynamic Huffman codes, sent first, themselves Huffman-coded (§3.2.7)
//!                 11 reserved: an error
//! ```
//!
//! Corrupt input is a [`GzipError`] (through `io::Error`, as `Read` requires), never a panic or
//! an endless loop: every decoding step either consumes input bits or ends the stream, and a
//! match produces at most 258 bytes for at least 2 bits, so the work is bounded by the input.
//! Left out: files of several concatenated gzip members (rare; refused as trailing data), and
//! any compression at all.

use std::fmt;
use std::io::{self, Read};

/// The two bytes every gzip file starts with.
pub const MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Deflate's back-references reach at most 32 KiB behind the current position.
const WINDOW: usize = 32 * 1024;
/// Output decoded per step before returning to the reader: bounds the decoder's buffer.
const CHUNK: usize = 128 * 1024;
/// Bytes read from the underlying reader at a time.
const INPUT_BUFFER: usize = 16 * 1024;

/// Everything that can be wrong with gzip data. Carried inside `io::Error` by
/// [`GzDecoder::read`]; [`GzipError::from_io`] gets it back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GzipError {
    /// The first two bytes are not 0x1f 0x8b.
    BadMagic { found: Vec<u8> },
    /// Compression method other than 8 (deflate), the only one defined.
    BadMethod { found: u8 },
    /// Header flag bits 5 to 7 are reserved and must be zero.
    ReservedFlags { flags: u8 },
    /// The optional header CRC-16 does not match the header.
    HeaderCrc { stored: u16, computed: u16 },
    /// Block type 3, reserved.
    BadBlockType,
    /// A stored block whose NLEN is not the complement of LEN.
    StoredLength { len: u16, nlen: u16 },
    /// The code lengths of a dynamic block do not make a usable prefix code.
    BadCodeLengths(&'static str),
    /// Input bits that are no code of the current Huffman table (an incomplete code).
    BadCode,
    /// A literal/length symbol 286 or 287, or a distance symbol 30 or 31: never valid.
    BadSymbol { symbol: u16 },
    /// A back-reference to before the start of the data.
    DistanceTooFar { distance: usize, available: u64 },
    /// The input ends inside the header, a block or the trailer.
    Truncated,
    /// The CRC-32 of the decompressed data differs from the trailer's.
    CrcMismatch { stored: u32, computed: u32 },
    /// The length of the decompressed data (mod 2^32) differs from the trailer's ISIZE.
    LengthMismatch { stored: u32, computed: u32 },
    /// Bytes after the end of the gzip member.
    TrailingData,
}

impl fmt::Display for GzipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GzipError::BadMagic { found } => write!(
                f,
                "not a gzip file: expected the magic bytes 1f 8b, found {}",
                found
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            GzipError::BadMethod { found } => {
                write!(f, "compression method {found}, expected 8 (deflate)")
            }
            GzipError::ReservedFlags { flags } => {
                write!(f, "header flags {flags:#04x} set reserved bits 5-7")
            }
            GzipError::HeaderCrc { stored, computed } => write!(
                f,
                "header CRC-16 is {stored:#06x}, the header computes to {computed:#06x}"
            ),
            GzipError::BadBlockType => write!(f, "block type 3 (reserved), expected 0, 1 or 2"),
            GzipError::StoredLength { len, nlen } => write!(
                f,
                "stored block with LEN {len:#06x} and NLEN {nlen:#06x}, expected NLEN = !LEN"
            ),
            GzipError::BadCodeLengths(why) => write!(f, "invalid code lengths: {why}"),
            GzipError::BadCode => write!(f, "input bits that match no Huffman code"),
            GzipError::BadSymbol { symbol } => write!(f, "invalid deflate symbol {symbol}"),
            GzipError::DistanceTooFar {
                distance,
                available,
            } => write!(
                f,
                "distance {distance} too far back: only {available} bytes decoded so far"
            ),
            GzipError::Truncated => write!(f, "the compressed data ends early (truncated file)"),
            GzipError::CrcMismatch { stored, computed } => write!(
                f,
                "CRC-32 mismatch: the trailer says {stored:#010x}, the data gives {computed:#010x}"
            ),
            GzipError::LengthMismatch { stored, computed } => write!(
                f,
                "length mismatch: the trailer says {stored} bytes (mod 2^32), the data has \
                 {computed}"
            ),
            GzipError::TrailingData => write!(
                f,
                "bytes after the end of the gzip member (concatenated members are not supported)"
            ),
        }
    }
}

impl std::error::Error for GzipError {}

impl From<GzipError> for io::Error {
    fn from(e: GzipError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

impl GzipError {
    /// The `GzipError` inside an `io::Error` returned by [`GzDecoder`], or the `io::Error`
    /// unchanged if it is a plain I/O error of the underlying reader.
    pub fn from_io(e: io::Error) -> Result<GzipError, io::Error> {
        if e.get_ref().is_some_and(|inner| inner.is::<GzipError>()) {
            let inner = e.into_inner().expect("checked above");
            Ok(*inner.downcast::<GzipError>().expect("checked above"))
        } else {
            Err(e)
        }
    }
}

/// Decompresses a whole gzip file held in memory (tests and small files; the IDX reader
/// streams through [`GzDecoder`] instead).
pub fn decompress(data: &[u8]) -> Result<Vec<u8>, GzipError> {
    let mut out = Vec::new();
    match GzDecoder::new(data).read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(e) => Err(GzipError::from_io(e).expect("a byte slice never fails to read")),
    }
}

/// A streaming gzip decoder: reads compressed bytes from `R`, yields the decompressed bytes.
/// The CRC-32 and length are checked when the end of the data is reached: a read that
/// returns `Ok(0)` vouches that everything before it was right.
pub struct GzDecoder<R> {
    input: BitReader<R>,
    state: State,
    /// The last `WINDOW` bytes already handed out (for back-references), then the bytes not
    /// yet handed out.
    out: Vec<u8>,
    /// `out[..read_pos]` has been handed to the reader.
    read_pos: usize,
    /// CRC-32 of the bytes handed out so far.
    crc: u32,
    /// Bytes decoded so far.
    total: u64,
    blocks: BlockCounts,
}

/// How many deflate blocks of each type the decoder has met: lets the tests show that their
/// fixtures exercise all three.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockCounts {
    pub stored: u64,
    pub fixed: u64,
    pub dynamic: u64,
}

enum State {
    Header,
    BlockStart,
    Stored { remaining: usize, last: bool },
    Huffman { codes: Box<Codes>, last: bool },
    Trailer,
    Done,
    Failed,
}

/// The two prefix codes of a Huffman block.
struct Codes {
    lit: Huffman,
    dist: Huffman,
}

impl<R: Read> GzDecoder<R> {
    pub fn new(inner: R) -> GzDecoder<R> {
        GzDecoder {
            input: BitReader::new(inner),
            state: State::Header,
            out: Vec::new(),
            read_pos: 0,
            crc: 0,
            total: 0,
            blocks: BlockCounts::default(),
        }
    }

    /// The blocks read so far, by type.
    pub fn blocks(&self) -> BlockCounts {
        self.blocks
    }

    /// The decompressed bytes the decoder holds: the window kept for back-references, plus
    /// output not yet read. However long the stream, at most `WINDOW + 2 * CHUNK + 258` (a
    /// chunk may be decoded just before the window is trimmed, and a match may overshoot the
    /// chunk): lets the tests show that memory does not grow with the output.
    pub fn held(&self) -> usize {
        self.out.len()
    }

    /// Advances the decoder by one step: the header, one block header, a chunk of a block, or
    /// the trailer. Called only when all decoded output has been handed out.
    fn step(&mut self) -> io::Result<()> {
        match std::mem::replace(&mut self.state, State::Failed) {
            State::Header => {
                self.read_header()?;
                self.state = State::BlockStart;
            }
            State::BlockStart => self.state = self.read_block_header()?,
            State::Stored { remaining, last } => {
                let n = remaining.min(CHUNK);
                for _ in 0..n {
                    let byte = self.input.bits(8)? as u8;
                    self.out.push(byte);
                }
                self.total += n as u64;
                self.state = match (remaining - n, last) {
                    (0, true) => State::Trailer,
                    (0, false) => State::BlockStart,
                    (remaining, last) => State::Stored { remaining, last },
                };
            }
            State::Huffman { codes, last } => {
                let end_of_block = self.inflate_chunk(&codes)?;
                self.state = match (end_of_block, last) {
                    (true, true) => State::Trailer,
                    (true, false) => State::BlockStart,
                    (false, _) => State::Huffman { codes, last },
                };
            }
            State::Trailer => {
                self.read_trailer()?;
                self.state = State::Done;
            }
            State::Done => self.state = State::Done,
            State::Failed => {
                return Err(io::Error::other("gzip: read after an earlier error"));
            }
        }
        Ok(())
    }

    /// RFC 1952 §2.3: ID1 ID2 CM FLG MTIME(4) XFL OS, then the optional fields FLG announces.
    /// Nothing is kept: the optional fields only feed the running header CRC.
    fn read_header(&mut self) -> io::Result<()> {
        let mut crc = 0;
        let mut fixed = [0u8; 10];
        for i in 0..10 {
            fixed[i] = self.header_byte(&mut crc)?;
            if i == 1 && fixed[..2] != MAGIC {
                return Err(GzipError::BadMagic {
                    found: fixed[..2].to_vec(),
                }
                .into());
            }
        }
        if fixed[2] != 8 {
            return Err(GzipError::BadMethod { found: fixed[2] }.into());
        }
        let flags = fixed[3];
        if flags & 0xe0 != 0 {
            return Err(GzipError::ReservedFlags { flags }.into());
        }
        const FHCRC: u8 = 0x02;
        const FEXTRA: u8 = 0x04;
        const FNAME: u8 = 0x08;
        const FCOMMENT: u8 = 0x10;
        if flags & FEXTRA != 0 {
            let xlen =
                u16::from_le_bytes([self.header_byte(&mut crc)?, self.header_byte(&mut crc)?]);
            for _ in 0..xlen {
                self.header_byte(&mut crc)?;
            }
        }
        // The file name and the comment are zero-terminated strings; we skip them.
        for flag in [FNAME, FCOMMENT] {
            if flags & flag != 0 {
                while self.header_byte(&mut crc)? != 0 {}
            }
        }
        if flags & FHCRC != 0 {
            let computed = crc as u16;
            let stored = u16::from_le_bytes([
                self.input.byte_or_truncated()?,
                self.input.byte_or_truncated()?,
            ]);
            if stored != computed {
                return Err(GzipError::HeaderCrc { stored, computed }.into());
            }
        }
        Ok(())
    }

    /// The next header byte, folded into the header's running CRC-32.
    fn header_byte(&mut self, crc: &mut u32) -> io::Result<u8> {
        let b = self.input.byte_or_truncated()?;
        *crc = crc32_update(*crc, &[b]);
        Ok(b)
    }

    /// RFC 1951 §3.2.3: BFINAL, BTYPE, and what each block type puts before its data.
    fn read_block_header(&mut self) -> io::Result<State> {
        let last = self.input.bits(1)? == 1;
        match self.input.bits(2)? {
            0 => {
                self.input.align_to_byte();
                let len = self.input.bits(16)? as u16;
                let nlen = self.input.bits(16)? as u16;
                if nlen != !len {
                    return Err(GzipError::StoredLength { len, nlen }.into());
                }
                self.blocks.stored += 1;
                Ok(State::Stored {
                    remaining: usize::from(len),
                    last,
                })
            }
            1 => {
                self.blocks.fixed += 1;
                Ok(State::Huffman {
                    codes: Box::new(fixed_codes()),
                    last,
                })
            }
            2 => {
                let codes = Box::new(self.read_dynamic_codes()?);
                self.blocks.dynamic += 1;
                Ok(State::Huffman { codes, last })
            }
            _ => Err(GzipError::BadBlockType.into()),
        }
    }

    /// RFC 1951 §3.2.7: the code lengths of the literal/length and distance codes, themselves
    /// sent with a small Huffman code over the alphabet 0-18 (16, 17, 18 repeat lengths).
    fn read_dynamic_codes(&mut self) -> io::Result<Codes> {
        let hlit = self.input.bits(5)? as usize + 257;
        let hdist = self.input.bits(5)? as usize + 1;
        let hclen = self.input.bits(4)? as usize + 4;
        if hlit > 286 {
            return Err(GzipError::BadCodeLengths("more than 286 literal/length codes").into());
        }
        if hdist > 30 {
            return Err(GzipError::BadCodeLengths("more than 30 distance codes").into());
        }
        // The code-length code's lengths come in this order, the likely ones first.
        const ORDER: [usize; 19] = [
            16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
        ];
        let mut cl_lengths = [0u8; 19];
        for &symbol in &ORDER[..hclen] {
            cl_lengths[symbol] = self.input.bits(3)? as u8;
        }
        let cl_code = Huffman::new(&cl_lengths, Completeness::Complete)?;

        let mut lengths = [0u8; 286 + 30];
        let mut i = 0;
        while i < hlit + hdist {
            let symbol = cl_code.decode(&mut self.input)?;
            let (value, repeat) = match symbol {
                0..=15 => (symbol as u8, 1),
                16 => {
                    if i == 0 {
                        return Err(
                            GzipError::BadCodeLengths("repeat with no length before").into()
                        );
                    }
                    (lengths[i - 1], 3 + self.input.bits(2)? as usize)
                }
                17 => (0, 3 + self.input.bits(3)? as usize),
                _ => (0, 11 + self.input.bits(7)? as usize),
            };
            if i + repeat > hlit + hdist {
                return Err(GzipError::BadCodeLengths("a repeat runs past the last length").into());
            }
            lengths[i..i + repeat].fill(value);
            i += repeat;
        }
        if lengths[256] == 0 {
            return Err(GzipError::BadCodeLengths("no code for end-of-block").into());
        }
        Ok(Codes {
            lit: Huffman::new(&lengths[..hlit], Completeness::SingleCodeMayBeAlone)?,
            dist: Huffman::new(
                &lengths[hlit..hlit + hdist],
                Completeness::SingleCodeMayBeAlone,
            )?,
        })
    }

    /// RFC 1951 §3.2.5: literals, and (length, distance) pairs that copy from the window,
    /// until end-of-block or until a chunk of output is ready. Returns true at end-of-block.
    fn inflate_chunk(&mut self, codes: &Codes) -> io::Result<bool> {
        let stop = self.out.len() + CHUNK;
        while self.out.len() < stop {
            let symbol = codes.lit.decode(&mut self.input)?;
            if symbol < 256 {
                self.out.push(symbol as u8);
                self.total += 1;
                continue;
            }
            if symbol == 256 {
                return Ok(true);
            }
            let l = usize::from(symbol - 257);
            if l >= LENGTH_BASE.len() {
                return Err(GzipError::BadSymbol { symbol }.into());
            }
            let length = usize::from(LENGTH_BASE[l]) + self.input.bits(LENGTH_EXTRA[l])? as usize;
            let d = codes.dist.decode(&mut self.input)?;
            let Some(&base) = DIST_BASE.get(usize::from(d)) else {
                return Err(GzipError::BadSymbol { symbol: d }.into());
            };
            let distance =
                usize::from(base) + self.input.bits(DIST_EXTRA[usize::from(d)])? as usize;
            if distance as u64 > self.total {
                return Err(GzipError::DistanceTooFar {
                    distance,
                    available: self.total,
                }
                .into());
            }
            // The window holds at least the last WINDOW bytes, and distance <= 32768.
            let start = self.out.len() - distance;
            if distance >= length {
                self.out.extend_from_within(start..start + length);
            } else {
                // An overlapping copy repeats the last `distance` bytes (distance 1 is a run of
                // one byte): copy the period, which doubles each time, until `length` is done.
                let end = self.out.len() + length;
                while self.out.len() < end {
                    let n = (end - self.out.len()).min(self.out.len() - start);
                    self.out.extend_from_within(start..start + n);
                }
            }
            self.total += length as u64;
        }
        Ok(false)
    }

    /// RFC 1952 §2.3: CRC-32 and ISIZE, little-endian, after the byte-aligned last block; then
    /// the input must end.
    fn read_trailer(&mut self) -> io::Result<()> {
        self.input.align_to_byte();
        let mut word = || -> io::Result<u32> {
            let mut b = [0u8; 4];
            for byte in &mut b {
                *byte = self.input.byte_or_truncated()?;
            }
            Ok(u32::from_le_bytes(b))
        };
        let stored_crc = word()?;
        let stored_len = word()?;
        if stored_crc != self.crc {
            return Err(GzipError::CrcMismatch {
                stored: stored_crc,
                computed: self.crc,
            }
            .into());
        }
        if stored_len != self.total as u32 {
            return Err(GzipError::LengthMismatch {
                stored: stored_len,
                computed: self.total as u32,
            }
            .into());
        }
        if self.input.byte()?.is_some() {
            return Err(GzipError::TrailingData.into());
        }
        Ok(())
    }
}

impl<R: Read> Read for GzDecoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.read_pos < self.out.len() {
                let n = buf.len().min(self.out.len() - self.read_pos);
                let handed = &self.out[self.read_pos..self.read_pos + n];
                buf[..n].copy_from_slice(handed);
                self.crc = crc32_update(self.crc, handed);
                self.read_pos += n;
                return Ok(n);
            }
            if let State::Done = self.state {
                return Ok(0);
            }
            if buf.is_empty() {
                return Ok(0);
            }
            // Everything decoded has been handed out: keep only the window, decode on.
            if self.out.len() > WINDOW + CHUNK {
                self.out.drain(..self.out.len() - WINDOW);
                self.read_pos = self.out.len();
            }
            self.step()?;
        }
    }
}

/// Length symbols 257..285: the base length and the number of extra bits (RFC 1951 §3.2.5).
const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u32; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
/// Distance symbols 0..29: the base distance and the number of extra bits.
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u32; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// The fixed codes of RFC 1951 §3.2.6: literal/length code lengths 8, 9, 7, 8 over the ranges
/// 0-143, 144-255, 256-279, 280-287, and 32 distance codes of 5 bits (30 and 31 unused).
fn fixed_codes() -> Codes {
    let mut lit = [0u8; 288];
    lit[0..144].fill(8);
    lit[144..256].fill(9);
    lit[256..280].fill(7);
    lit[280..288].fill(8);
    let dist = [5u8; 32];
    Codes {
        lit: Huffman::new(&lit, Completeness::Complete).expect("the fixed code is complete"),
        dist: Huffman::new(&dist, Completeness::Complete).expect("the fixed code is complete"),
    }
}

/// Which prefix codes a block may use. A complete code uses every bit pattern; RFC 1951
/// allows one exception (as zlib reads it): a code with a single symbol of length 1, or none
/// at all (a distance code in a block of literals only).
#[derive(Clone, Copy, PartialEq)]
enum Completeness {
    Complete,
    SingleCodeMayBeAlone,
}

/// Codes up to this many bits are decoded by one table lookup; longer ones bit by bit.
const FAST_BITS: u32 = 10;

/// A canonical prefix code (RFC 1951 §3.2.2), given by a code length per symbol.
struct Huffman {
    /// Indexed by the next FAST_BITS input bits: `symbol << 4 | length` of the code they
    /// start with, or 0 if that code is longer than FAST_BITS (or does not exist).
    fast: Vec<u16>,
    /// `count[len]`: how many codes have `len` bits.
    count: [u16; 16],
    /// The symbols in code order (by length, then by symbol): canonical codes are consecutive.
    symbols: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8], completeness: Completeness) -> Result<Huffman, GzipError> {
        let mut count = [0u16; 16];
        for &len in lengths {
            count[usize::from(len)] += 1;
        }
        count[0] = 0;
        // Each length doubles the patterns left; a code of that length uses one of them.
        let mut left: i32 = 1;
        for &c in &count[1..] {
            left = 2 * left - i32::from(c);
            if left < 0 {
                return Err(GzipError::BadCodeLengths("over-subscribed code"));
            }
        }
        let codes: u16 = count.iter().sum();
        let single = codes == count[1] && codes <= 1;
        if left > 0 && !(completeness == Completeness::SingleCodeMayBeAlone && single) {
            return Err(GzipError::BadCodeLengths("incomplete code"));
        }

        // First index in `symbols` of each length, then the symbols in canonical order.
        let mut offset = [0u16; 16];
        for len in 1..15 {
            offset[len + 1] = offset[len] + count[len];
        }
        let mut symbols = vec![0u16; usize::from(codes)];
        for (symbol, &len) in lengths.iter().enumerate() {
            if len > 0 {
                symbols[usize::from(offset[usize::from(len)])] = symbol as u16;
                offset[usize::from(len)] += 1;
            }
        }

        // The fast table. Codes are sent most significant bit first, into a stream read least
        // significant bit first, so a table indexed by the next input bits holds reversed codes.
        let mut fast = vec![0u16; 1 << FAST_BITS];
        let mut code: u32 = 0;
        let mut next = 0;
        for len in 1..=FAST_BITS {
            for _ in 0..count[len as usize] {
                let symbol = symbols[next];
                next += 1;
                let reversed = (code.reverse_bits() >> (32 - len)) as usize;
                for slot in fast.iter_mut().skip(reversed).step_by(1 << len) {
                    *slot = (symbol << 4) | len as u16;
                }
                code += 1;
            }
            code <<= 1;
        }
        Ok(Huffman {
            fast,
            count,
            symbols,
        })
    }

    /// The next symbol from `input`.
    #[inline]
    fn decode<R: Read>(&self, input: &mut BitReader<R>) -> io::Result<u16> {
        input.refill()?;
        let entry = self.fast[(input.peek() & ((1 << FAST_BITS) - 1)) as usize];
        if entry != 0 {
            let len = u32::from(entry & 15);
            input.consume(len)?;
            return Ok(entry >> 4);
        }
        // A long (or missing) code: walk the lengths as RFC 1951 builds the codes. `code` is the
        // input read so far, `first` the first code of the current length, `index` its symbol.
        let bits = input.peek();
        let (mut code, mut first, mut index) = (0u32, 0u32, 0u32);
        for len in 1..16 {
            code |= ((bits >> (len - 1)) & 1) as u32;
            let count = u32::from(self.count[len]);
            if code < first + count {
                input.consume(len as u32)?;
                return Ok(self.symbols[(index + code - first) as usize]);
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        // No code matched: the input is bad, unless it simply ran out.
        if input.available() < 15 {
            return Err(GzipError::Truncated.into());
        }
        Err(GzipError::BadCode.into())
    }
}

/// Bits from a byte stream, least significant bit of each byte first (RFC 1951 §3.1.1).
struct BitReader<R> {
    inner: R,
    buffer: Vec<u8>,
    pos: usize,
    end: usize,
    /// Up to 64 bits read ahead; the next bit is the lowest.
    bits: u64,
    nbits: u32,
}

impl<R: Read> BitReader<R> {
    fn new(inner: R) -> BitReader<R> {
        BitReader {
            inner,
            buffer: vec![0; INPUT_BUFFER],
            pos: 0,
            end: 0,
            bits: 0,
            nbits: 0,
        }
    }

    /// Tops the bit buffer up to at least 56 bits, or to the end of the input.
    #[inline]
    fn refill(&mut self) -> io::Result<()> {
        if self.nbits >= 56 {
            return Ok(());
        }
        if self.end - self.pos >= 8 {
            // The common case: as many whole bytes as fit, in one little-endian load.
            let word = u64::from_le_bytes(
                self.buffer[self.pos..self.pos + 8]
                    .try_into()
                    .expect("8 bytes"),
            );
            let take = (63 - self.nbits) / 8;
            self.bits |= (word & ((1u64 << (8 * take)) - 1)) << self.nbits;
            self.pos += take as usize;
            self.nbits += 8 * take;
            return Ok(());
        }
        self.refill_bytewise()
    }

    /// `refill` near the end of the buffer: byte by byte, reading more input when needed.
    #[inline(never)]
    fn refill_bytewise(&mut self) -> io::Result<()> {
        while self.nbits < 56 {
            if self.pos == self.end {
                self.end = loop {
                    match self.inner.read(&mut self.buffer) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        other => break other?,
                    }
                };
                self.pos = 0;
                if self.end == 0 {
                    return Ok(());
                }
            }
            self.bits |= u64::from(self.buffer[self.pos]) << self.nbits;
            self.pos += 1;
            self.nbits += 8;
        }
        Ok(())
    }

    /// The bits read ahead (zeros past the end of the input).
    fn peek(&self) -> u64 {
        self.bits
    }

    fn available(&self) -> u32 {
        self.nbits
    }

    /// Drops `n` bits; an error if the input does not have them.
    fn consume(&mut self, n: u32) -> io::Result<()> {
        if n > self.nbits {
            return Err(GzipError::Truncated.into());
        }
        self.bits >>= n;
        self.nbits -= n;
        Ok(())
    }

    /// The next `n` bits (n <= 32) as a number, first bit lowest.
    fn bits(&mut self, n: u32) -> io::Result<u32> {
        if self.nbits < n {
            self.refill()?;
        }
        let value = (self.bits & ((1u64 << n) - 1)) as u32;
        self.consume(n)?;
        Ok(value)
    }

    /// Skips to the next byte boundary (before a stored block's length and the trailer).
    fn align_to_byte(&mut self) {
        let n = self.nbits % 8;
        self.bits >>= n;
        self.nbits -= n;
    }

    /// The next whole byte, or `None` at the end of the input. Byte-aligned callers only.
    fn byte(&mut self) -> io::Result<Option<u8>> {
        if self.nbits < 8 {
            self.refill()?;
        }
        if self.nbits < 8 {
            return Ok(None);
        }
        Ok(Some(self.bits(8)? as u8))
    }

    fn byte_or_truncated(&mut self) -> io::Result<u8> {
        self.byte()?.ok_or_else(|| GzipError::Truncated.into())
    }
}

/// The CRC-32 of gzip (and zip, PNG, Ethernet): polynomial 0xEDB88320 (reflected).
/// `crc32_update(0, data)` is the CRC of `data`; feeding the data in pieces gives the same
/// result.
///
/// Byte at a time, the CRC is one table lookup per byte (`CRC_TABLES[0]`). "Slicing by 8"
/// folds eight bytes per step with eight tables, where `CRC_TABLES[k][b]` is the CRC of byte b
/// followed by k zero bytes: the eight lookups are independent, so the CPU runs them in
/// parallel. Without it the CRC took a third of the inflate time.
pub fn crc32_update(crc: u32, data: &[u8]) -> u32 {
    let t = &CRC_TABLES;
    let mut c = !crc;
    let mut words = data.chunks_exact(8);
    for w in &mut words {
        let lo = c ^ u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        c = t[7][(lo & 0xff) as usize]
            ^ t[6][((lo >> 8) & 0xff) as usize]
            ^ t[5][((lo >> 16) & 0xff) as usize]
            ^ t[4][(lo >> 24) as usize]
            ^ t[3][usize::from(w[4])]
            ^ t[2][usize::from(w[5])]
            ^ t[1][usize::from(w[6])]
            ^ t[0][usize::from(w[7])];
    }
    for &b in words.remainder() {
        c = t[0][((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

/// The slicing-by-8 tables, built at compile time: `CRC_TABLES[0][n]` is the CRC register
/// after shifting byte n through it bit by bit; each next table shifts one more zero byte.
const CRC_TABLES: [[u32; 256]; 8] = {
    let mut t = [[0u32; 256]; 8];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[0][n] = c;
        n += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut n = 0;
        while n < 256 {
            let prev = t[k - 1][n];
            t[k][n] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            n += 1;
        }
        k += 1;
    }
    t
};
