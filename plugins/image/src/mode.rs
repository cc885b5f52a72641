//! Daft's image modes: how many channels a pixel has and of which sample
//! type, and the numbers Daft stores for them.

use std::fmt;

/// The sample type of a mode's channels, which is also the element type of
/// the `data` list in an image column's storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Depth {
    /// 8-bit unsigned samples, 0 to 255.
    U8,
    /// 16-bit unsigned samples, 0 to 65535.
    U16,
    /// 32-bit float samples, nominally 0.0 to 1.0.
    F32,
}

/// One of Daft's ten image modes.
///
/// The discriminants are the codes Daft 0.7.26 writes into the `mode`
/// field of an image column's storage (checked against real Daft: an
/// `Image[L16]` row stores 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Grayscale, 8-bit.
    L = 1,
    /// Grayscale with alpha, 8-bit.
    LA = 2,
    /// Red, green, blue, 8-bit.
    RGB = 3,
    /// Red, green, blue, alpha, 8-bit.
    RGBA = 4,
    /// Grayscale, 16-bit.
    L16 = 5,
    /// Grayscale with alpha, 16-bit.
    LA16 = 6,
    /// Red, green, blue, 16-bit.
    RGB16 = 7,
    /// Red, green, blue, alpha, 16-bit.
    RGBA16 = 8,
    /// Red, green, blue, 32-bit float.
    RGB32F = 9,
    /// Red, green, blue, alpha, 32-bit float.
    RGBA32F = 10,
}

impl Mode {
    /// Every mode, in code order.
    pub const ALL: [Mode; 10] = [
        Mode::L,
        Mode::LA,
        Mode::RGB,
        Mode::RGBA,
        Mode::L16,
        Mode::LA16,
        Mode::RGB16,
        Mode::RGBA16,
        Mode::RGB32F,
        Mode::RGBA32F,
    ];

    /// The mode stored as `code`, if any.
    pub fn from_code(code: u8) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.code() == code)
    }

    /// The code Daft stores for this mode.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Daft's name of the mode (`"RGB"`, `"L16"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Mode::L => "L",
            Mode::LA => "LA",
            Mode::RGB => "RGB",
            Mode::RGBA => "RGBA",
            Mode::L16 => "L16",
            Mode::LA16 => "LA16",
            Mode::RGB16 => "RGB16",
            Mode::RGBA16 => "RGBA16",
            Mode::RGB32F => "RGB32F",
            Mode::RGBA32F => "RGBA32F",
        }
    }

    /// The mode named `name`, ignoring case as Daft's
    /// `ImageMode.from_mode_string` does.
    pub fn parse(name: &str) -> Option<Mode> {
        Mode::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The names of all modes, for error messages.
    pub fn names() -> String {
        Mode::ALL.map(Mode::name).join(", ")
    }

    /// Channels per pixel.
    pub fn channels(self) -> usize {
        match self {
            Mode::L | Mode::L16 => 1,
            Mode::LA | Mode::LA16 => 2,
            Mode::RGB | Mode::RGB16 | Mode::RGB32F => 3,
            Mode::RGBA | Mode::RGBA16 | Mode::RGBA32F => 4,
        }
    }

    /// The sample type of the channels.
    pub fn depth(self) -> Depth {
        match self {
            Mode::L | Mode::LA | Mode::RGB | Mode::RGBA => Depth::U8,
            Mode::L16 | Mode::LA16 | Mode::RGB16 | Mode::RGBA16 => Depth::U16,
            Mode::RGB32F | Mode::RGBA32F => Depth::F32,
        }
    }

    /// Whether the last channel is alpha.
    pub fn has_alpha(self) -> bool {
        self.channels().is_multiple_of(2)
    }

    /// The mode with `channels` channels of `depth`, if Daft has one (it has
    /// no 32-bit float grayscale modes).
    pub fn from_parts(channels: usize, depth: Depth) -> Option<Mode> {
        Mode::ALL
            .into_iter()
            .find(|m| m.channels() == channels && m.depth() == depth)
    }

    /// The 8-bit mode with the same channels: what a 16-bit or float image
    /// becomes in a column of mixed modes, whose storage holds bytes.
    pub fn to_8bit(self) -> Mode {
        Mode::from_parts(self.channels(), Depth::U8).unwrap_or(Mode::RGBA)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_daft_and_round_trip() {
        let codes: Vec<u8> = Mode::ALL.iter().map(|m| m.code()).collect();
        assert_eq!(codes, (1..=10).collect::<Vec<u8>>());
        for m in Mode::ALL {
            assert_eq!(Mode::from_code(m.code()), Some(m));
            assert_eq!(Mode::parse(&m.name().to_lowercase()), Some(m));
            assert_eq!(Mode::from_parts(m.channels(), m.depth()), Some(m));
        }
        assert_eq!(Mode::from_code(0), None);
        assert_eq!(Mode::from_code(11), None);
        assert_eq!(Mode::parse("CMYK"), None);
    }

    #[test]
    fn eight_bit_counterparts_keep_channels() {
        assert_eq!(Mode::LA16.to_8bit(), Mode::LA);
        assert_eq!(Mode::RGB32F.to_8bit(), Mode::RGB);
        assert_eq!(Mode::RGBA.to_8bit(), Mode::RGBA);
        assert_eq!(Mode::from_parts(1, Depth::F32), None);
    }
}
