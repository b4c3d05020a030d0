//! Go's `compress/flate` compressor at the default level (6) and `compress/gzip` framing,
//! reimplemented so a code package has the same bytes — and so the same code hash — as
//! one made by Fabric's Go CLI. Deflate output depends on the compressor's exact
//! matching, block splitting and Huffman construction, and also on how the input arrives
//! (window slides happen at `Write` boundaries), so [`GoGzip::write`] must be called with
//! the same chunks Go's tar writer hands its gzip writer.
//!
//! Follows Go 1.19's deflate.go (lazy matching: good 8, lazy 16, nice 128, chain 128),
//! huffman_code.go and huffman_bit_writer.go.

const WINDOW_SIZE: i64 = 1 << 15;
const WINDOW_MASK: i64 = WINDOW_SIZE - 1;
const MIN_MATCH: i64 = 4;
const MAX_MATCH: i64 = 258;
const BASE_MATCH_LENGTH: i64 = 3;
const BASE_MATCH_OFFSET: i64 = 1;
const MAX_FLATE_BLOCK_TOKENS: usize = 1 << 14;
const MAX_STORE_BLOCK_SIZE: usize = 65535;
const HASH_BITS: u32 = 17;
const HASH_SIZE: usize = 1 << HASH_BITS;
const HASH_MASK: u32 = (1 << HASH_BITS) - 1;
const MAX_HASH_OFFSET: i64 = 1 << 24;
const GOOD: i64 = 8;
const LAZY: i64 = 16;
const NICE: i64 = 128;
const CHAIN: i64 = 128;

const MAX_NUM_LIT: usize = 286;
const OFFSET_CODE_COUNT: usize = 30;
const END_BLOCK_MARKER: u32 = 256;
const LENGTH_CODES_START: usize = 257;
const CODEGEN_CODE_COUNT: usize = 19;
const BAD_CODE: u8 = 255;

const LENGTH_SHIFT: u32 = 22;
const OFFSET_MASK: u32 = (1 << LENGTH_SHIFT) - 1;
const MATCH_TYPE: u32 = 1 << 30;

const LENGTH_EXTRA_BITS: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const LENGTH_BASE: [u32; 29] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128,
    160, 192, 224, 255,
];
const OFFSET_EXTRA_BITS: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
const OFFSET_BASE: [u32; 30] = [
    0x000000, 0x000001, 0x000002, 0x000003, 0x000004, 0x000006, 0x000008, 0x00000c, 0x000010,
    0x000018, 0x000020, 0x000030, 0x000040, 0x000060, 0x000080, 0x0000c0, 0x000100, 0x000180,
    0x000200, 0x000300, 0x000400, 0x000600, 0x000800, 0x000c00, 0x001000, 0x001800, 0x002000,
    0x003000, 0x004000, 0x006000,
];
const CODEGEN_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Go's `lengthCodes` table: the length code (0..28) of a match length minus 3.
fn length_code(len: u32) -> u32 {
    // The table is the inverse of LENGTH_BASE: the last base not above `len`.
    let len = len.min(255);
    if len == 255 {
        return 28;
    }
    let mut code = 0;
    for (i, &base) in LENGTH_BASE.iter().enumerate().take(28) {
        if base <= len {
            code = i as u32;
        }
    }
    code
}

/// Go's `offsetCode`.
fn offset_code(off: u32) -> u32 {
    fn small(off: u32) -> u32 {
        // offsetCodes[off] for off < 256: the last code whose base is not above off.
        let mut code = 0;
        for (i, &base) in OFFSET_BASE.iter().enumerate().take(16) {
            if base <= off {
                code = i as u32;
            }
        }
        code
    }
    if off < 256 {
        small(off)
    } else if off >> 7 < 256 {
        small(off >> 7) + 14
    } else {
        small(off >> 14) + 28
    }
}

fn literal_token(lit: u32) -> u32 {
    lit
}

fn match_token(xlength: u32, xoffset: u32) -> u32 {
    MATCH_TYPE + (xlength << LENGTH_SHIFT) + xoffset
}

fn reverse_bits(number: u16, bit_length: u8) -> u16 {
    (number << (16 - bit_length)).reverse_bits()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Hcode {
    code: u16,
    len: u16,
}

#[derive(Debug, Clone, Copy)]
struct LiteralNode {
    literal: u16,
    freq: i32,
}

#[derive(Debug, Clone, Copy, Default)]
struct LevelInfo {
    level: i32,
    last_freq: i32,
    next_char_freq: i32,
    next_pair_freq: i32,
    needed: i32,
}

#[derive(Debug, Clone)]
struct HuffmanEncoder {
    codes: Vec<Hcode>,
}

impl HuffmanEncoder {
    fn new(size: usize) -> Self {
        HuffmanEncoder {
            codes: vec![Hcode::default(); size],
        }
    }

    fn fixed_literal() -> Self {
        let mut h = Self::new(MAX_NUM_LIT);
        for ch in 0..MAX_NUM_LIT as u16 {
            let (bits, size) = match ch {
                0..=143 => (ch + 48, 8),
                144..=255 => (ch + 400 - 144, 9),
                256..=279 => (ch - 256, 7),
                _ => (ch + 192 - 280, 8),
            };
            h.codes[ch as usize] = Hcode {
                code: reverse_bits(bits, size as u8),
                len: size,
            };
        }
        h
    }

    fn fixed_offset() -> Self {
        let mut h = Self::new(30);
        for (ch, c) in h.codes.iter_mut().enumerate() {
            *c = Hcode {
                code: reverse_bits(ch as u16, 5),
                len: 5,
            };
        }
        h
    }

    fn bit_length(&self, freq: &[i32]) -> i64 {
        freq.iter()
            .zip(&self.codes)
            .filter(|(f, _)| **f != 0)
            .map(|(f, c)| i64::from(*f) * i64::from(c.len))
            .sum()
    }

    fn bit_counts(list: &[LiteralNode], mut max_bits: i32) -> Vec<i32> {
        let n = list.len() as i32;
        let mut list = list.to_vec();
        list.push(LiteralNode {
            literal: u16::MAX,
            freq: i32::MAX,
        });
        if max_bits > n - 1 {
            max_bits = n - 1;
        }
        let mut levels = [LevelInfo::default(); 16];
        let mut leaf_counts = [[0i32; 16]; 16];
        for level in 1..=max_bits {
            levels[level as usize] = LevelInfo {
                level,
                last_freq: list[1].freq,
                next_char_freq: list[2].freq,
                next_pair_freq: list[0].freq + list[1].freq,
                needed: 0,
            };
            leaf_counts[level as usize][level as usize] = 2;
            if level == 1 {
                levels[level as usize].next_pair_freq = i32::MAX;
            }
        }
        levels[max_bits as usize].needed = 2 * n - 4;
        let mut level = max_bits as usize;
        loop {
            if levels[level].next_pair_freq == i32::MAX && levels[level].next_char_freq == i32::MAX
            {
                levels[level].needed = 0;
                levels[level + 1].next_pair_freq = i32::MAX;
                level += 1;
                continue;
            }
            let prev_freq = levels[level].last_freq;
            if levels[level].next_char_freq < levels[level].next_pair_freq {
                let n = leaf_counts[level][level] + 1;
                levels[level].last_freq = levels[level].next_char_freq;
                leaf_counts[level][level] = n;
                levels[level].next_char_freq = list[n as usize].freq;
            } else {
                levels[level].last_freq = levels[level].next_pair_freq;
                let (lower, upper) = leaf_counts.split_at_mut(level);
                upper[0][..level].copy_from_slice(&lower[level - 1][..level]);
                levels[level - 1].needed = 2;
            }
            levels[level].needed -= 1;
            if levels[level].needed == 0 {
                if levels[level].level == max_bits {
                    break;
                }
                levels[level + 1].next_pair_freq = prev_freq + levels[level].last_freq;
                level += 1;
            } else {
                while levels[level - 1].needed > 0 {
                    level -= 1;
                }
            }
        }
        let mut bit_count = vec![0i32; max_bits as usize + 1];
        let counts = &leaf_counts[max_bits as usize];
        for (bits, level) in (1..).zip((1..=max_bits as usize).rev()) {
            bit_count[bits] = counts[level] - counts[level - 1];
        }
        bit_count
    }

    fn assign_encoding_and_size(&mut self, bit_count: &[i32], mut list: &[LiteralNode]) {
        let mut code: u16 = 0;
        for (n, &bits) in bit_count.iter().enumerate() {
            code <<= 1;
            if n == 0 || bits == 0 {
                continue;
            }
            let split = list.len() - bits as usize;
            let mut chunk = list[split..].to_vec();
            chunk.sort_by_key(|node| node.literal);
            for node in chunk {
                self.codes[node.literal as usize] = Hcode {
                    code: reverse_bits(code, n as u8),
                    len: n as u16,
                };
                code = code.wrapping_add(1);
            }
            list = &list[..split];
        }
    }

    fn generate(&mut self, freq: &[i32], max_bits: i32) {
        let mut list = Vec::with_capacity(freq.len() + 1);
        for (i, &f) in freq.iter().enumerate() {
            if f != 0 {
                list.push(LiteralNode {
                    literal: i as u16,
                    freq: f,
                });
            } else {
                self.codes[i].len = 0;
            }
        }
        if list.len() <= 2 {
            for (i, node) in list.iter().enumerate() {
                self.codes[node.literal as usize] = Hcode {
                    code: i as u16,
                    len: 1,
                };
            }
            return;
        }
        list.sort_by(|a, b| a.freq.cmp(&b.freq).then(a.literal.cmp(&b.literal)));
        let bit_count = Self::bit_counts(&list, max_bits);
        self.assign_encoding_and_size(&bit_count, &list);
    }
}

/// Go's `huffmanBitWriter`, writing straight into a byte vector.
struct BitWriter {
    out: Vec<u8>,
    bits: u64,
    nbits: u32,
    codegen_freq: [i32; CODEGEN_CODE_COUNT],
    literal_freq: Vec<i32>,
    offset_freq: Vec<i32>,
    codegen: Vec<u8>,
    literal_encoding: HuffmanEncoder,
    offset_encoding: HuffmanEncoder,
    codegen_encoding: HuffmanEncoder,
    fixed_literal: HuffmanEncoder,
    fixed_offset: HuffmanEncoder,
}

impl BitWriter {
    fn new() -> Self {
        BitWriter {
            out: Vec::new(),
            bits: 0,
            nbits: 0,
            codegen_freq: [0; CODEGEN_CODE_COUNT],
            literal_freq: vec![0; MAX_NUM_LIT],
            offset_freq: vec![0; OFFSET_CODE_COUNT],
            codegen: vec![0; MAX_NUM_LIT + OFFSET_CODE_COUNT + 1],
            literal_encoding: HuffmanEncoder::new(MAX_NUM_LIT),
            offset_encoding: HuffmanEncoder::new(OFFSET_CODE_COUNT),
            codegen_encoding: HuffmanEncoder::new(CODEGEN_CODE_COUNT),
            fixed_literal: HuffmanEncoder::fixed_literal(),
            fixed_offset: HuffmanEncoder::fixed_offset(),
        }
    }

    fn flush(&mut self) {
        while self.nbits != 0 {
            self.out.push(self.bits as u8);
            self.bits >>= 8;
            self.nbits = self.nbits.saturating_sub(8);
        }
        self.bits = 0;
    }

    fn emit_full(&mut self) {
        if self.nbits >= 48 {
            let bits = self.bits;
            self.bits >>= 48;
            self.nbits -= 48;
            self.out.extend_from_slice(&bits.to_le_bytes()[..6]);
        }
    }

    fn write_bits(&mut self, b: u32, nb: u32) {
        self.bits |= u64::from(b) << self.nbits;
        self.nbits += nb;
        self.emit_full();
    }

    fn write_code(&mut self, c: Hcode) {
        self.bits |= u64::from(c.code) << self.nbits;
        self.nbits += u32::from(c.len);
        self.emit_full();
    }

    fn write_bytes(&mut self, bytes: &[u8]) {
        while self.nbits != 0 {
            self.out.push(self.bits as u8);
            self.bits >>= 8;
            self.nbits -= 8;
        }
        self.out.extend_from_slice(bytes);
    }

    fn generate_codegen(
        &mut self,
        num_literals: usize,
        num_offsets: usize,
        use_huff_offset: Option<&HuffmanEncoder>,
    ) {
        self.codegen_freq = [0; CODEGEN_CODE_COUNT];
        let offsets = use_huff_offset.unwrap_or(&self.offset_encoding);
        for i in 0..num_literals {
            self.codegen[i] = self.literal_encoding.codes[i].len as u8;
        }
        for i in 0..num_offsets {
            self.codegen[num_literals + i] = offsets.codes[i].len as u8;
        }
        let codegen = &mut self.codegen;
        let freq = &mut self.codegen_freq;
        codegen[num_literals + num_offsets] = BAD_CODE;
        let mut size = codegen[0];
        let mut count: i32 = 1;
        let mut out_index = 0;
        let mut in_index = 1;
        while size != BAD_CODE {
            let next_size = codegen[in_index];
            in_index += 1;
            if next_size == size {
                count += 1;
                continue;
            }
            if size != 0 {
                codegen[out_index] = size;
                out_index += 1;
                freq[size as usize] += 1;
                count -= 1;
                while count >= 3 {
                    let n = count.min(6);
                    codegen[out_index] = 16;
                    codegen[out_index + 1] = (n - 3) as u8;
                    out_index += 2;
                    freq[16] += 1;
                    count -= n;
                }
            } else {
                while count >= 11 {
                    let n = count.min(138);
                    codegen[out_index] = 18;
                    codegen[out_index + 1] = (n - 11) as u8;
                    out_index += 2;
                    freq[18] += 1;
                    count -= n;
                }
                if count >= 3 {
                    codegen[out_index] = 17;
                    codegen[out_index + 1] = (count - 3) as u8;
                    out_index += 2;
                    freq[17] += 1;
                    count = 0;
                }
            }
            count -= 1;
            while count >= 0 {
                codegen[out_index] = size;
                out_index += 1;
                freq[size as usize] += 1;
                count -= 1;
            }
            size = next_size;
            count = 1;
        }
        codegen[out_index] = BAD_CODE;
    }

    fn dynamic_size(&self, offsets: &HuffmanEncoder, extra_bits: i64) -> (i64, usize) {
        let mut num_codegens = self.codegen_freq.len();
        while num_codegens > 4 && self.codegen_freq[CODEGEN_ORDER[num_codegens - 1]] == 0 {
            num_codegens -= 1;
        }
        let header = 3
            + 5
            + 5
            + 4
            + 3 * num_codegens as i64
            + self.codegen_encoding.bit_length(&self.codegen_freq)
            + i64::from(self.codegen_freq[16]) * 2
            + i64::from(self.codegen_freq[17]) * 3
            + i64::from(self.codegen_freq[18]) * 7;
        let size = header
            + self.literal_encoding.bit_length(&self.literal_freq)
            + offsets.bit_length(&self.offset_freq)
            + extra_bits;
        (size, num_codegens)
    }

    fn fixed_size(&self, extra_bits: i64) -> i64 {
        3 + self.fixed_literal.bit_length(&self.literal_freq)
            + self.fixed_offset.bit_length(&self.offset_freq)
            + extra_bits
    }

    fn write_dynamic_header(
        &mut self,
        num_literals: usize,
        num_offsets: usize,
        num_codegens: usize,
        eof: bool,
    ) {
        self.write_bits(if eof { 5 } else { 4 }, 3);
        self.write_bits((num_literals - 257) as u32, 5);
        self.write_bits((num_offsets - 1) as u32, 5);
        self.write_bits((num_codegens - 4) as u32, 4);
        for &order in CODEGEN_ORDER.iter().take(num_codegens) {
            let value = self.codegen_encoding.codes[order].len;
            self.write_bits(u32::from(value), 3);
        }
        let mut i = 0;
        loop {
            let code_word = self.codegen[i];
            i += 1;
            if code_word == BAD_CODE {
                break;
            }
            self.write_code(self.codegen_encoding.codes[code_word as usize]);
            let extra = match code_word {
                16 => 2,
                17 => 3,
                18 => 7,
                _ => 0,
            };
            if extra > 0 {
                self.write_bits(u32::from(self.codegen[i]), extra);
                i += 1;
            }
        }
    }

    fn write_stored_header(&mut self, length: usize, eof: bool) {
        self.write_bits(u32::from(eof), 3);
        self.flush();
        self.write_bits(length as u32, 16);
        self.write_bits(u32::from(!(length as u16)), 16);
    }

    fn index_tokens(&mut self, tokens: &[u32]) -> (usize, usize) {
        self.literal_freq.iter_mut().for_each(|f| *f = 0);
        self.offset_freq.iter_mut().for_each(|f| *f = 0);
        for &t in tokens {
            if t < MATCH_TYPE {
                self.literal_freq[t as usize] += 1;
                continue;
            }
            let length = (t - MATCH_TYPE) >> LENGTH_SHIFT;
            let offset = t & OFFSET_MASK;
            self.literal_freq[LENGTH_CODES_START + length_code(length) as usize] += 1;
            self.offset_freq[offset_code(offset) as usize] += 1;
        }
        let mut num_literals = self.literal_freq.len();
        while self.literal_freq[num_literals - 1] == 0 {
            num_literals -= 1;
        }
        let mut num_offsets = self.offset_freq.len();
        while num_offsets > 0 && self.offset_freq[num_offsets - 1] == 0 {
            num_offsets -= 1;
        }
        if num_offsets == 0 {
            self.offset_freq[0] = 1;
            num_offsets = 1;
        }
        self.literal_encoding.generate(&self.literal_freq, 15);
        self.offset_encoding.generate(&self.offset_freq, 15);
        (num_literals, num_offsets)
    }

    fn write_tokens(&mut self, tokens: &[u32], fixed: bool) {
        for &t in tokens {
            let (le, oe) = if fixed {
                (&self.fixed_literal.codes, &self.fixed_offset.codes)
            } else {
                (&self.literal_encoding.codes, &self.offset_encoding.codes)
            };
            if t < MATCH_TYPE {
                let c = le[t as usize];
                self.write_code(c);
                continue;
            }
            let length = (t - MATCH_TYPE) >> LENGTH_SHIFT;
            let lc = length_code(length) as usize;
            let offset = t & OFFSET_MASK;
            let oc = offset_code(offset) as usize;
            let (lcode, ocode) = (le[lc + LENGTH_CODES_START], oe[oc]);
            self.write_code(lcode);
            if LENGTH_EXTRA_BITS[lc] > 0 {
                self.write_bits(length - LENGTH_BASE[lc], u32::from(LENGTH_EXTRA_BITS[lc]));
            }
            self.write_code(ocode);
            if OFFSET_EXTRA_BITS[oc] > 0 {
                self.write_bits(offset - OFFSET_BASE[oc], u32::from(OFFSET_EXTRA_BITS[oc]));
            }
        }
    }

    /// Go's `writeBlock`: fixed, dynamic or stored, whichever is smallest.
    fn write_block(&mut self, tokens: &[u32], eof: bool, input: Option<&[u8]>) {
        let mut tokens = tokens.to_vec();
        tokens.push(END_BLOCK_MARKER);
        let (num_literals, num_offsets) = self.index_tokens(&tokens);
        let stored = input.filter(|i| i.len() <= MAX_STORE_BLOCK_SIZE);
        let mut extra_bits = 0i64;
        if stored.is_some() {
            for lc in LENGTH_CODES_START + 8..num_literals {
                extra_bits += i64::from(self.literal_freq[lc])
                    * i64::from(LENGTH_EXTRA_BITS[lc - LENGTH_CODES_START]);
            }
            for (freq, extra) in self.offset_freq[..num_offsets]
                .iter()
                .zip(OFFSET_EXTRA_BITS)
                .skip(4)
            {
                extra_bits += i64::from(*freq) * i64::from(extra);
            }
        }
        let mut size = self.fixed_size(extra_bits);
        self.generate_codegen(num_literals, num_offsets, None);
        let freq = self.codegen_freq;
        self.codegen_encoding.generate(&freq, 7);
        let (dynamic_size, num_codegens) = self.dynamic_size(&self.offset_encoding, extra_bits);
        let mut fixed = true;
        if dynamic_size < size {
            size = dynamic_size;
            fixed = false;
        }
        if let Some(input) = stored {
            if (((input.len() + 5) * 8) as i64) < size {
                self.write_stored_header(input.len(), eof);
                self.write_bytes(input);
                return;
            }
        }
        if fixed {
            self.write_bits(if eof { 3 } else { 2 }, 3);
        } else {
            self.write_dynamic_header(num_literals, num_offsets, num_codegens, eof);
        }
        self.write_tokens(&tokens, fixed);
    }
}

fn hash4(b: &[u8]) -> u32 {
    let v = u32::from(b[3]) | u32::from(b[2]) << 8 | u32::from(b[1]) << 16 | u32::from(b[0]) << 24;
    v.wrapping_mul(0x1e35a7bd) >> (32 - HASH_BITS)
}

/// Go's `compressor` at level 6.
struct Compressor {
    w: BitWriter,
    sync: bool,
    chain_head: i64,
    hash_head: Vec<u32>,
    hash_prev: Vec<u32>,
    hash_offset: i64,
    index: i64,
    window: Vec<u8>,
    window_end: i64,
    block_start: i64,
    byte_available: bool,
    tokens: Vec<u32>,
    length: i64,
    offset: i64,
    max_insert_index: i64,
}

impl Compressor {
    fn new() -> Self {
        Compressor {
            w: BitWriter::new(),
            sync: false,
            chain_head: -1,
            hash_head: vec![0; HASH_SIZE],
            hash_prev: vec![0; WINDOW_SIZE as usize],
            hash_offset: 1,
            index: 0,
            window: vec![0; 2 * WINDOW_SIZE as usize],
            window_end: 0,
            block_start: 0,
            byte_available: false,
            tokens: Vec::with_capacity(MAX_FLATE_BLOCK_TOKENS + 1),
            length: MIN_MATCH - 1,
            offset: 0,
            max_insert_index: 0,
        }
    }

    fn fill(&mut self, b: &[u8]) -> usize {
        if self.index >= 2 * WINDOW_SIZE - (MIN_MATCH + MAX_MATCH) {
            let ws = WINDOW_SIZE as usize;
            self.window.copy_within(ws..2 * ws, 0);
            self.index -= WINDOW_SIZE;
            self.window_end -= WINDOW_SIZE;
            if self.block_start >= WINDOW_SIZE {
                self.block_start -= WINDOW_SIZE;
            } else {
                self.block_start = i64::from(i32::MAX);
            }
            self.hash_offset += WINDOW_SIZE;
            if self.hash_offset > MAX_HASH_OFFSET {
                let delta = self.hash_offset - 1;
                self.hash_offset -= delta;
                self.chain_head -= delta;
                for v in self.hash_prev.iter_mut().chain(self.hash_head.iter_mut()) {
                    *v = if i64::from(*v) > delta {
                        (i64::from(*v) - delta) as u32
                    } else {
                        0
                    };
                }
            }
        }
        let start = self.window_end as usize;
        let n = b.len().min(self.window.len() - start);
        self.window[start..start + n].copy_from_slice(&b[..n]);
        self.window_end += n as i64;
        n
    }

    fn write_block(&mut self, index: i64) {
        if index > 0 {
            let window = (self.block_start <= index)
                .then(|| self.window[self.block_start as usize..index as usize].to_vec());
            self.block_start = index;
            let tokens = std::mem::take(&mut self.tokens);
            self.w.write_block(&tokens, false, window.as_deref());
            self.tokens = tokens;
        }
        self.tokens.clear();
    }

    fn find_match(
        &self,
        pos: i64,
        prev_head: i64,
        prev_length: i64,
        lookahead: i64,
    ) -> Option<(i64, i64)> {
        let min_match_look = MAX_MATCH.min(lookahead);
        let win = &self.window[..(pos + min_match_look) as usize];
        let nice = (win.len() as i64 - pos).min(NICE);
        let mut tries = CHAIN;
        let mut length = prev_length;
        if length >= GOOD {
            tries >>= 2;
        }
        let mut w_end = win[(pos + length) as usize];
        let w_pos = &win[pos as usize..];
        let min_index = pos - WINDOW_SIZE;
        let mut found = None;
        let mut i = prev_head;
        while tries > 0 {
            if w_end == win[(i + length) as usize] {
                let a = &win[i as usize..(i + min_match_look) as usize];
                let n = a.iter().zip(w_pos).take_while(|(x, y)| x == y).count() as i64;
                if n > length && (n > MIN_MATCH || pos - i <= 4096) {
                    length = n;
                    found = Some((n, pos - i));
                    if n >= nice {
                        break;
                    }
                    w_end = win[(pos + n) as usize];
                }
            }
            if i == min_index {
                break;
            }
            i = i64::from(self.hash_prev[(i & WINDOW_MASK) as usize]) - self.hash_offset;
            if i < min_index || i < 0 {
                break;
            }
            tries -= 1;
        }
        found
    }

    fn insert_hash(&mut self, index: i64) {
        let h = (hash4(&self.window[index as usize..(index + MIN_MATCH) as usize]) & HASH_MASK)
            as usize;
        self.hash_prev[(index & WINDOW_MASK) as usize] = self.hash_head[h];
        self.hash_head[h] = (index + self.hash_offset) as u32;
    }

    fn deflate(&mut self) {
        if self.window_end - self.index < MIN_MATCH + MAX_MATCH && !self.sync {
            return;
        }
        self.max_insert_index = self.window_end - (MIN_MATCH - 1);
        loop {
            let lookahead = self.window_end - self.index;
            if lookahead < MIN_MATCH + MAX_MATCH {
                if !self.sync {
                    break;
                }
                if lookahead == 0 {
                    if self.byte_available {
                        let lit = self.window[(self.index - 1) as usize];
                        self.tokens.push(literal_token(u32::from(lit)));
                        self.byte_available = false;
                    }
                    if !self.tokens.is_empty() {
                        self.write_block(self.index);
                    }
                    break;
                }
            }
            if self.index < self.max_insert_index {
                let h =
                    (hash4(&self.window[self.index as usize..(self.index + MIN_MATCH) as usize])
                        & HASH_MASK) as usize;
                self.chain_head = i64::from(self.hash_head[h]);
                self.hash_prev[(self.index & WINDOW_MASK) as usize] = self.chain_head as u32;
                self.hash_head[h] = (self.index + self.hash_offset) as u32;
            }
            let prev_length = self.length;
            let prev_offset = self.offset;
            self.length = MIN_MATCH - 1;
            self.offset = 0;
            let min_index = (self.index - WINDOW_SIZE).max(0);
            if self.chain_head - self.hash_offset >= min_index
                && lookahead > prev_length
                && prev_length < LAZY
            {
                if let Some((l, o)) = self.find_match(
                    self.index,
                    self.chain_head - self.hash_offset,
                    MIN_MATCH - 1,
                    lookahead,
                ) {
                    self.length = l;
                    self.offset = o;
                }
            }
            if prev_length >= MIN_MATCH && self.length <= prev_length {
                self.emit_match(prev_length, prev_offset);
            } else {
                self.emit_literal();
            }
        }
    }

    /// The lazy match found at the previous position wins: emit it and hash the bytes
    /// it covers.
    fn emit_match(&mut self, prev_length: i64, prev_offset: i64) {
        self.tokens.push(match_token(
            (prev_length - BASE_MATCH_LENGTH) as u32,
            (prev_offset - BASE_MATCH_OFFSET) as u32,
        ));
        let new_index = self.index + prev_length - 1;
        let mut index = self.index + 1;
        while index < new_index {
            if index < self.max_insert_index {
                self.insert_hash(index);
            }
            index += 1;
        }
        self.index = index;
        self.byte_available = false;
        self.length = MIN_MATCH - 1;
        if self.tokens.len() == MAX_FLATE_BLOCK_TOKENS {
            self.write_block(self.index);
        }
    }

    /// No better match: the previous byte (if pending) becomes a literal.
    fn emit_literal(&mut self) {
        if self.byte_available {
            let i = self.index - 1;
            self.tokens
                .push(literal_token(u32::from(self.window[i as usize])));
            if self.tokens.len() == MAX_FLATE_BLOCK_TOKENS {
                self.write_block(i + 1);
            }
        }
        self.index += 1;
        self.byte_available = true;
    }

    fn write(&mut self, mut b: &[u8]) {
        while !b.is_empty() {
            self.deflate();
            let n = self.fill(b);
            b = &b[n..];
        }
    }

    fn close(mut self) -> Vec<u8> {
        self.sync = true;
        self.deflate();
        self.w.write_stored_header(0, true);
        self.w.flush();
        self.w.out
    }
}

/// Go's `gzip.NewWriter` (default level): header with no name, mtime 0, XFL 0, OS 255.
pub struct GoGzip {
    compressor: Compressor,
    crc: flate2::Crc,
}

impl Default for GoGzip {
    fn default() -> Self {
        Self::new()
    }
}

impl GoGzip {
    pub fn new() -> Self {
        GoGzip {
            compressor: Compressor::new(),
            crc: flate2::Crc::new(),
        }
    }

    /// One `Write` call of Go's gzip writer.
    pub fn write(&mut self, chunk: &[u8]) {
        self.crc.update(chunk);
        self.compressor.write(chunk);
    }

    /// Go's `Close`: the final empty stored block, CRC-32 and size.
    pub fn finish(self) -> Vec<u8> {
        let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        out.extend(self.compressor.close());
        out.extend_from_slice(&self.crc.sum().to_le_bytes());
        out.extend_from_slice(&self.crc.amount().to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(data)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn tables_match_gos() {
        // Spot values of Go's lengthCodes/offsetCodes tables.
        assert_eq!(length_code(0), 0);
        assert_eq!(length_code(8), 8);
        assert_eq!(length_code(9), 8);
        assert_eq!(length_code(254), 27);
        assert_eq!(length_code(255), 28);
        assert_eq!(offset_code(4), 4);
        assert_eq!(offset_code(5), 4);
        assert_eq!(offset_code(6), 5);
        assert_eq!(offset_code(255), 15);
        assert_eq!(offset_code(256), 16);
        assert_eq!(offset_code(32767), 29);
    }

    #[test]
    fn round_trips_across_window_slides_and_blocks() {
        let mut data = Vec::new();
        let mut x: u32 = 1;
        while data.len() < 300_000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let word = ["alpha ", "beta ", "gamma ", "delta\n"][(x >> 16) as usize % 4];
            data.extend_from_slice(word.as_bytes());
            data.push((x >> 24) as u8);
        }
        let mut gz = GoGzip::new();
        for chunk in data.chunks(4096) {
            gz.write(chunk);
        }
        let out = gz.finish();
        assert_eq!(gunzip(&out), data);
        assert_eq!(&out[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
        let empty = GoGzip::new().finish();
        assert!(gunzip(&empty).is_empty());
    }
}
