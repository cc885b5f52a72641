//! Image columns as Arrow arrays: reading the rows of an argument and
//! building result columns of images, tensors and numbers.

use std::sync::Arc;

use daft_plugin_api::arrow::array::{
    Array, ArrayRef, Float32Array, LargeListArray, PrimitiveArray, StructArray, UInt16Array,
    UInt32Array, UInt64Array, UInt8Array,
};
use daft_plugin_api::arrow::buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use daft_plugin_api::arrow::datatypes::{
    ArrowPrimitiveType, DataType, Field, Float32Type, UInt16Type, UInt8Type,
};
use daft_plugin_api::downcast;

use crate::mode::{Depth, Mode};
use crate::pixels::{ImageRef, PixelsRef};
use crate::types::{image_storage, sample_type, tensor_storage};

/// The rows of an image argument, read in place.
pub struct ImageColumn<'a> {
    parts: Option<Parts<'a>>,
    len: usize,
}

/// The children of an image column's storage.
struct Parts<'a> {
    rows: &'a StructArray,
    data: &'a LargeListArray,
    samples: PixelsRef<'a>,
    channel: &'a UInt16Array,
    height: &'a UInt32Array,
    width: &'a UInt32Array,
    mode: &'a UInt8Array,
}

/// A named child of `rows`, downcast.
fn child<'a, T: Array + 'static>(rows: &'a StructArray, name: &str) -> Result<&'a T, String> {
    let column = rows
        .column_by_name(name)
        .ok_or_else(|| format!("the image column has no `{name}` field"))?;
    downcast::<T>(column).map_err(|e| format!("the image column's `{name}` field: {e}"))
}

impl<'a> ImageColumn<'a> {
    /// Reads `array`, an image column's storage or an all-null column.
    pub fn new(array: &'a ArrayRef) -> Result<ImageColumn<'a>, String> {
        if array.data_type() == &DataType::Null {
            return Ok(ImageColumn {
                parts: None,
                len: array.len(),
            });
        }
        let rows = downcast::<StructArray>(array)?;
        let data: &LargeListArray = child(rows, "data")?;
        let values = data.values();
        let samples = match values.data_type() {
            DataType::UInt8 => PixelsRef::U8(downcast::<UInt8Array>(values)?.values()),
            DataType::UInt16 => PixelsRef::U16(downcast::<UInt16Array>(values)?.values()),
            DataType::Float32 => PixelsRef::F32(downcast::<Float32Array>(values)?.values()),
            other => return Err(format!("image samples of type {other} are not supported")),
        };
        Ok(ImageColumn {
            parts: Some(Parts {
                rows,
                data,
                samples,
                channel: child(rows, "channel")?,
                height: child(rows, "height")?,
                width: child(rows, "width")?,
                mode: child(rows, "mode")?,
            }),
            len: array.len(),
        })
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The sample type the column stores (bytes for an all-null column,
    /// which is typed as mixed modes).
    pub fn depth(&self) -> Depth {
        self.parts.as_ref().map_or(Depth::U8, |p| p.samples.depth())
    }

    /// Row `i`: `None` when it is null (the row, or any part of it: Daft
    /// nulls all the parts of a null row), else the image, checked against
    /// its recorded mode, channel count and size.
    pub fn get(&self, i: usize) -> Result<Option<ImageRef<'a>>, String> {
        let Some(p) = &self.parts else {
            return Ok(None);
        };
        if p.rows.is_null(i)
            || p.data.is_null(i)
            || p.channel.is_null(i)
            || p.height.is_null(i)
            || p.width.is_null(i)
            || p.mode.is_null(i)
        {
            return Ok(None);
        }
        let code = p.mode.value(i);
        let mode = Mode::from_code(code)
            .ok_or_else(|| format!("an image has mode code {code}, which is not an image mode"))?;
        let channels = p.channel.value(i);
        if channels as usize != mode.channels() {
            return Err(format!(
                "an image of mode {mode} records {channels} channels; {mode} has {}",
                mode.channels()
            ));
        }
        let offsets = p.data.value_offsets();
        let range = offsets[i] as usize..offsets[i + 1] as usize;
        let outside = || format!("an image's data {range:?} lies outside its column's samples");
        let samples = match p.samples {
            PixelsRef::U8(v) => PixelsRef::U8(v.get(range.clone()).ok_or_else(outside)?),
            PixelsRef::U16(v) => PixelsRef::U16(v.get(range.clone()).ok_or_else(outside)?),
            PixelsRef::F32(v) => PixelsRef::F32(v.get(range.clone()).ok_or_else(outside)?),
        };
        ImageRef::new(mode, p.width.value(i), p.height.value(i), samples).map(Some)
    }

    /// The images, row by row.
    pub fn iter(&self) -> impl Iterator<Item = Result<Option<ImageRef<'a>>, String>> + '_ {
        (0..self.len).map(|i| self.get(i))
    }
}

/// The samples of a column being built, of one depth.
enum Samples {
    U8(Vec<u8>),
    U16(Vec<u16>),
    F32(Vec<f32>),
}

impl Samples {
    fn new(depth: Depth) -> Samples {
        match depth {
            Depth::U8 => Samples::U8(Vec::new()),
            Depth::U16 => Samples::U16(Vec::new()),
            Depth::F32 => Samples::F32(Vec::new()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Samples::U8(v) => v.len(),
            Samples::U16(v) => v.len(),
            Samples::F32(v) => v.len(),
        }
    }

    /// Appends `pixels`, which must be of this depth.
    fn extend(&mut self, pixels: PixelsRef<'_>) -> Result<(), String> {
        match (self, pixels) {
            (Samples::U8(out), PixelsRef::U8(v)) => out.extend_from_slice(v),
            (Samples::U16(out), PixelsRef::U16(v)) => out.extend_from_slice(v),
            (Samples::F32(out), PixelsRef::F32(v)) => out.extend_from_slice(v),
            _ => return Err("an image of another sample type than its column's".into()),
        }
        Ok(())
    }

    fn finish(self) -> ArrayRef {
        fn array<T: ArrowPrimitiveType>(v: Vec<T::Native>) -> ArrayRef {
            Arc::new(PrimitiveArray::<T>::new(ScalarBuffer::from(v), None))
        }
        match self {
            Samples::U8(v) => array::<UInt8Type>(v),
            Samples::U16(v) => array::<UInt16Type>(v),
            Samples::F32(v) => array::<Float32Type>(v),
        }
    }
}

/// A `large_list` of the given values, with `offsets` and validity.
fn large_list(
    item: DataType,
    offsets: Vec<i64>,
    values: ArrayRef,
    nulls: Option<NullBuffer>,
) -> Result<ArrayRef, String> {
    let field = Arc::new(Field::new("item", item, true));
    let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
    LargeListArray::try_new(field, offsets, values, nulls)
        .map(|a| Arc::new(a) as ArrayRef)
        .map_err(|e| format!("building a list column: {e}"))
}

/// A struct of `children` in the layout of `storage`, null where `valid`
/// is false (its children too, as Daft writes them).
fn struct_of(
    storage: DataType,
    children: Vec<ArrayRef>,
    nulls: Option<NullBuffer>,
) -> Result<ArrayRef, String> {
    let DataType::Struct(fields) = storage else {
        return Err(format!("{storage} is not a struct type"));
    };
    StructArray::try_new(fields, children, nulls)
        .map(|a| Arc::new(a) as ArrayRef)
        .map_err(|e| format!("building a struct column: {e}"))
}

fn validity(valid: Vec<bool>) -> Option<NullBuffer> {
    let nulls = NullBuffer::from(valid);
    (nulls.null_count() > 0).then_some(nulls)
}

/// Builds a column of `Image[mode]` (or `Image[MIXED]`) in Daft's layout.
pub struct ImageBuilder {
    depth: Depth,
    samples: Samples,
    offsets: Vec<i64>,
    channel: Vec<u16>,
    height: Vec<u32>,
    width: Vec<u32>,
    mode: Vec<u8>,
    valid: Vec<bool>,
}

impl ImageBuilder {
    /// A builder of a column storing samples of `depth`.
    pub fn new(depth: Depth, capacity: usize) -> ImageBuilder {
        let mut offsets = Vec::with_capacity(capacity + 1);
        offsets.push(0);
        ImageBuilder {
            depth,
            samples: Samples::new(depth),
            offsets,
            channel: Vec::with_capacity(capacity),
            height: Vec::with_capacity(capacity),
            width: Vec::with_capacity(capacity),
            mode: Vec::with_capacity(capacity),
            valid: Vec::with_capacity(capacity),
        }
    }

    /// Appends an image, which must have this column's sample type.
    pub fn push(&mut self, image: ImageRef<'_>) -> Result<(), String> {
        if image.mode().depth() != self.depth {
            return Err(format!(
                "a {} image cannot be stored in a column of {:?} samples",
                image.mode(),
                self.depth
            ));
        }
        self.samples.extend(image.pixels())?;
        self.offsets.push(self.samples.len() as i64);
        self.channel.push(image.mode().channels() as u16);
        self.height.push(image.height());
        self.width.push(image.width());
        self.mode.push(image.mode().code());
        self.valid.push(true);
        Ok(())
    }

    /// Appends a null row.
    pub fn push_null(&mut self) {
        self.offsets.push(self.samples.len() as i64);
        self.channel.push(0);
        self.height.push(0);
        self.width.push(0);
        self.mode.push(0);
        self.valid.push(false);
    }

    /// Appends `image` or a null.
    pub fn push_opt(&mut self, image: Option<ImageRef<'_>>) -> Result<(), String> {
        match image {
            Some(image) => self.push(image),
            None => {
                self.push_null();
                Ok(())
            }
        }
    }

    /// The column.
    pub fn finish(self) -> Result<ArrayRef, String> {
        let nulls = validity(self.valid);
        let data = large_list(
            sample_type(self.depth),
            self.offsets,
            self.samples.finish(),
            nulls.clone(),
        )?;
        let children: Vec<ArrayRef> = vec![
            data,
            Arc::new(UInt16Array::new(self.channel.into(), nulls.clone())),
            Arc::new(UInt32Array::new(self.height.into(), nulls.clone())),
            Arc::new(UInt32Array::new(self.width.into(), nulls.clone())),
            Arc::new(UInt8Array::new(self.mode.into(), nulls.clone())),
        ];
        struct_of(image_storage(self.depth), children, nulls)
    }
}

/// Builds a column of `Tensor[T]`: each image's samples with the shape
/// `[height, width, channels]`, as Daft's `image_to_tensor` gives it.
pub struct TensorBuilder {
    depth: Depth,
    samples: Samples,
    offsets: Vec<i64>,
    shape: Vec<u64>,
    shape_offsets: Vec<i64>,
    valid: Vec<bool>,
}

impl TensorBuilder {
    /// A builder of a tensor column of `depth` samples.
    pub fn new(depth: Depth) -> TensorBuilder {
        TensorBuilder {
            depth,
            samples: Samples::new(depth),
            offsets: vec![0],
            shape: Vec::new(),
            shape_offsets: vec![0],
            valid: Vec::new(),
        }
    }

    /// Appends an image's samples, or a null.
    pub fn push_opt(&mut self, image: Option<ImageRef<'_>>) -> Result<(), String> {
        match image {
            Some(image) => {
                self.samples.extend(image.pixels())?;
                self.shape.extend([
                    image.height() as u64,
                    image.width() as u64,
                    image.mode().channels() as u64,
                ]);
                self.valid.push(true);
            }
            None => self.valid.push(false),
        }
        self.offsets.push(self.samples.len() as i64);
        self.shape_offsets.push(self.shape.len() as i64);
        Ok(())
    }

    /// The column.
    pub fn finish(self) -> Result<ArrayRef, String> {
        let nulls = validity(self.valid);
        let data = large_list(
            sample_type(self.depth),
            self.offsets,
            self.samples.finish(),
            nulls.clone(),
        )?;
        let shape = large_list(
            DataType::UInt64,
            self.shape_offsets,
            Arc::new(UInt64Array::from(self.shape)),
            nulls.clone(),
        )?;
        struct_of(tensor_storage(self.depth), vec![data, shape], nulls)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pixels::{Image, Pixels};

    fn rgb(width: u32, height: u32, first: u8) -> Image {
        let n = (width * height * 3) as usize;
        let pixels = (0..n).map(|i| first.wrapping_add(i as u8)).collect();
        Image::new(Mode::RGB, width, height, Pixels::U8(pixels)).unwrap()
    }

    fn column(images: &[Option<Image>]) -> ArrayRef {
        let mut b = ImageBuilder::new(Depth::U8, images.len());
        for image in images {
            b.push_opt(image.as_ref().map(Image::as_ref)).unwrap();
        }
        b.finish().unwrap()
    }

    #[test]
    fn built_columns_have_daft_storage_and_read_back() {
        let images = [Some(rgb(2, 1, 0)), None, Some(rgb(1, 3, 50))];
        let array = column(&images);
        assert_eq!(array.data_type(), &image_storage(Depth::U8));
        assert_eq!(array.null_count(), 1);
        let read = ImageColumn::new(&array).unwrap();
        let back: Vec<Option<Image>> = read
            .iter()
            .map(|r| r.unwrap().map(|i| i.to_owned()))
            .collect();
        assert_eq!(back, images);
    }

    #[test]
    fn a_sliced_column_reads_from_its_offset() {
        let images = [
            Some(rgb(1, 1, 0)),
            Some(rgb(2, 2, 9)),
            None,
            Some(rgb(1, 2, 7)),
        ];
        let array = column(&images).slice(1, 3);
        let read = ImageColumn::new(&array).unwrap();
        let back: Vec<Option<Image>> = read
            .iter()
            .map(|r| r.unwrap().map(|i| i.to_owned()))
            .collect();
        assert_eq!(back, images[1..]);
    }

    #[test]
    fn a_row_whose_size_does_not_match_its_data_is_an_error() {
        let array = column(&[Some(rgb(2, 2, 0))]);
        let rows = downcast::<StructArray>(&array).unwrap();
        let (fields, mut children, nulls) = rows.clone().into_parts();
        children[3] = Arc::new(UInt32Array::from(vec![3u32]));
        let bad: ArrayRef = Arc::new(StructArray::new(fields, children, nulls));
        let e = ImageColumn::new(&bad).unwrap().get(0).unwrap_err();
        assert!(e.contains("3 x 2 RGB image has 18 samples"), "{e}");
    }

    #[test]
    fn tensors_carry_each_images_shape() {
        let mut b = TensorBuilder::new(Depth::U8);
        b.push_opt(Some(rgb(2, 1, 0).as_ref())).unwrap();
        b.push_opt(None).unwrap();
        let array = b.finish().unwrap();
        assert_eq!(array.data_type(), &tensor_storage(Depth::U8));
        let rows = downcast::<StructArray>(&array).unwrap();
        let shape = downcast::<LargeListArray>(rows.column(1)).unwrap();
        let first = shape.value(0);
        let dims = downcast::<UInt64Array>(&first).unwrap();
        assert_eq!(dims.values().to_vec(), vec![1, 2, 3]);
        assert!(shape.is_null(1));
    }
}
