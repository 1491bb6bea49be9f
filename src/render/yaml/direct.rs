//! Writes any `Serialize` value straight into YAML text: the same bytes as
//! [`super::write_document`] of `serde_json::to_value(value)`, without building that JSON
//! value first.
//!
//! `build` writes tens of thousands of resources; building a `serde_json::Value` for each
//! (a map, a hash table and a string for every key) only to walk it once cost more time and
//! memory than writing the text. This serializer walks the typed resource instead and makes
//! every decision through the same functions as the value writer (quoting, keys, numbers), so
//! the two cannot drift apart on a scalar; the layout (where `-` and `:` go) is repeated
//! here, and a test compares both writers on every example and on generated values.
//!
//! Collections are written lazily: a map or sequence writes its `:` line only when its first
//! entry arrives and `{}` or `[]` if none does, so the length serde announces (absent for a
//! `#[serde(flatten)]` struct) is never needed. What JSON has no form for (byte strings,
//! tuple variants, map keys other than strings and integers) is an error, and the caller
//! falls back to the value writer.

use serde::ser::{self, Serialize};

use super::map_key::KeyText;
use super::{push_indent, write_key, write_number, write_string};

/// Appends one YAML document for `value` to `out`, as [`super::write_document`] would write
/// its JSON value. On an error `out` may hold part of the document; the caller discards it.
pub fn write_serialize<T: Serialize + ?Sized>(out: &mut String, value: &T) -> Result<(), Error> {
    value.serialize(Writer {
        out,
        at: At::Document,
    })
}

/// A value JSON has no form for.
#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        Error(message.to_string())
    }
}

pub(super) fn unsupported<T>(what: &str) -> Result<T, Error> {
    Err(Error(format!("{what} has no JSON form")))
}

/// What has been written right before a value.
#[derive(Clone, Copy)]
enum At {
    /// Nothing: the value is the document.
    Document,
    /// A map key at column `indent`, without its `:`.
    Key { indent: usize },
    /// The `- ` of a sequence item whose dash is at column `indent`.
    Item { indent: usize },
}

impl At {
    /// The text around a scalar written here.
    fn scalar_prefix(self) -> &'static str {
        match self {
            At::Key { .. } => ": ",
            At::Document | At::Item { .. } => "",
        }
    }

    /// How a collection written here lays out its entries.
    fn block(self, is_map: bool) -> Block {
        let (header, indent, first_inline) = match self {
            At::Document => ("", 0, false),
            // libyaml style: a map nests two columns in, a sequence's `- ` stays at the
            // key's column.
            At::Key { indent } => (":\n", if is_map { indent + 2 } else { indent }, false),
            At::Item { indent } => ("", indent + 2, true),
        };
        Block {
            header,
            indent,
            first_inline,
            empty: match (self, is_map) {
                (At::Key { .. }, true) => ": {}\n",
                (At::Key { .. }, false) => ": []\n",
                (_, true) => "{}\n",
                (_, false) => "[]\n",
            },
            written: 0,
        }
    }
}

/// The layout of one map or sequence being written.
struct Block {
    /// Written before the first entry (`:\n` after a key).
    header: &'static str,
    /// The column of each key or `- `.
    indent: usize,
    /// Whether the first entry follows a `- ` already written.
    first_inline: bool,
    /// Written instead when there is no entry.
    empty: &'static str,
    written: usize,
}

impl Block {
    /// Starts an entry: the header before the first, then the indentation.
    fn start_entry(&mut self, out: &mut String) {
        if self.written == 0 {
            out.push_str(self.header);
        }
        if self.written > 0 || !self.first_inline {
            push_indent(out, self.indent);
        }
        self.written += 1;
    }

    fn end(self, out: &mut String) {
        if self.written == 0 {
            out.push_str(self.empty);
        }
    }
}

/// Serializes one value at a place in the text.
struct Writer<'o> {
    out: &'o mut String,
    at: At,
}

impl Writer<'_> {
    // Returns what serde's methods return, so that each can end in it.
    #[allow(clippy::unnecessary_wraps)]
    fn scalar(self, write: impl FnOnce(&mut String)) -> Result<(), Error> {
        self.out.push_str(self.at.scalar_prefix());
        write(self.out);
        self.out.push('\n');
        Ok(())
    }

    fn number(self, number: &serde_json::Number) -> Result<(), Error> {
        self.scalar(|out| write_number(out, number))
    }
}

/// A map, struct or sequence being written.
pub struct Compound<'o> {
    out: &'o mut String,
    block: Block,
}

impl<'o> Compound<'o> {
    fn new(out: &'o mut String, at: At, is_map: bool) -> Compound<'o> {
        Compound {
            block: at.block(is_map),
            out,
        }
    }

    fn key(&mut self, key: &str) {
        self.block.start_entry(self.out);
        write_key(self.out, key, self.block.indent);
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(Writer {
            out: self.out,
            at: At::Key {
                indent: self.block.indent,
            },
        })
    }

    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.block.start_entry(self.out);
        self.out.push_str("- ");
        value.serialize(Writer {
            out: self.out,
            at: At::Item {
                indent: self.block.indent,
            },
        })
    }

    // Returns what serde's `end` methods return, so that each can end in it.
    #[allow(clippy::unnecessary_wraps)]
    fn finish(self) -> Result<(), Error> {
        self.block.end(self.out);
        Ok(())
    }
}

impl<'o> ser::Serializer for Writer<'o> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'o>;
    type SerializeTuple = Compound<'o>;
    type SerializeTupleStruct = Compound<'o>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = Compound<'o>;
    type SerializeStruct = Compound<'o>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.scalar(|out| out.push_str(if v { "true" } else { "false" }))
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.number(&v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.number(&v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.number(&v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.number(&v.into())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.number(&v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.number(&v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.number(&v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.number(&v.into())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        // JSON has no NaN or infinity: serde_json makes them null.
        match serde_json::Number::from_f64(v) {
            Some(number) => self.number(&number),
            None => self.serialize_unit(),
        }
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.scalar(|out| write_string(out, v))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        unsupported("a byte string")
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.scalar(|out| out.push_str("null"))
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &str) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        // serde_json's form: a map of one entry, the variant's name to its value.
        let mut map = Compound::new(self.out, self.at, true);
        map.key(variant);
        map.value(value)?;
        map.finish()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'o>, Error> {
        Ok(Compound::new(self.out, self.at, false))
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'o>, Error> {
        Ok(Compound::new(self.out, self.at, false))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'o>, Error> {
        Ok(Compound::new(self.out, self.at, false))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        unsupported("a tuple variant")
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'o>, Error> {
        Ok(Compound::new(self.out, self.at, true))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'o>, Error> {
        Ok(Compound::new(self.out, self.at, true))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        unsupported("a struct variant")
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.item(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let key = key.serialize(KeyText)?;
        self.key(&key);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.value(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.key(key);
        self.value(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}
