//! A plotters backend for a `<canvas>` that draws in CSS pixels on a backing store of CSS pixels ×
//! `devicePixelRatio`, so charts are sharp on high-density screens while their layout (font sizes, the compact
//! layout under 560 px, hit-test coordinates) stays in the CSS pixels the pointer reports.
//!
//! It remembers the fill and stroke colour, line width, font, text alignment and baseline last given to the 2D
//! context and only sets the ones that change, formatting colour and font strings into reused buffers. A chart
//! sets the same few styles on hundreds of primitives in a row; each set is a call into JavaScript with a new
//! string for the browser to parse, a visible share of a chart's draw. Why this is not the `plotters-canvas`
//! crate, with the measurements: ARCHITECTURE.md.

use std::cell::RefCell;
use std::fmt::{self, Write as _};

use plotters::prelude::DrawingBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontTransform,
};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, OffscreenCanvas};

/// A canvas call failed (a JavaScript exception, as JSON where it has one).
#[derive(Debug)]
pub struct CanvasError(String);

impl fmt::Display for CanvasError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Canvas Error: {}", self.0)
    }
}

impl std::error::Error for CanvasError {}

fn error_cast(e: JsValue) -> DrawingErrorKind<CanvasError> {
    DrawingErrorKind::DrawingError(CanvasError(
        js_sys::JSON::stringify(&e)
            .map(String::from)
            .unwrap_or_else(|_| "Unknown".to_string()),
    ))
}

/// A colour as the cache compares it: the alpha by its bits, so equal keys format to equal strings.
type ColorKey = (u8, u8, u8, u64);

fn color_key(c: &BackendColor) -> ColorKey {
    (c.rgb.0, c.rgb.1, c.rgb.2, c.alpha.to_bits())
}

/// What this backend last set on the context; `None` (or empty) until first set, so the first draw of a paint
/// sets every style it uses whatever an earlier paint left on the context.
#[derive(Default)]
struct ContextState {
    fill: Option<ColorKey>,
    stroke: Option<ColorKey>,
    line_width: Option<f64>,
    font: String,
    align: &'static str,
    baseline: &'static str,
    /// Scratch space for colour and font strings.
    buf: String,
}

/// Records `value` in `slot` and says whether it differs from what was there: whether the context needs it set.
fn changed<T: PartialEq>(slot: &mut T, value: T) -> bool {
    if *slot == value {
        false
    } else {
        *slot = value;
        true
    }
}

impl ContextState {
    /// `c` formatted into `buf` as a CSS colour, `rgba(r,g,b,a)`.
    fn color<'a>(buf: &'a mut String, c: &BackendColor) -> &'a str {
        buf.clear();
        let (r, g, b) = c.rgb;
        let _ = write!(buf, "rgba({},{},{},{})", r, g, b, c.alpha);
        buf
    }

    fn set_fill(&mut self, ctx: &CanvasRenderingContext2d, c: &BackendColor) {
        if changed(&mut self.fill, Some(color_key(c))) {
            ctx.set_fill_style_str(Self::color(&mut self.buf, c));
        }
    }

    fn set_line_style(&mut self, ctx: &CanvasRenderingContext2d, style: &impl BackendStyle) {
        let c = style.color();
        if changed(&mut self.stroke, Some(color_key(&c))) {
            ctx.set_stroke_style_str(Self::color(&mut self.buf, &c));
        }
        let width = style.stroke_width() as f64;
        if changed(&mut self.line_width, Some(width)) {
            ctx.set_line_width(width);
        }
    }

    fn set_font(&mut self, ctx: &CanvasRenderingContext2d, style: &impl BackendTextStyle) {
        self.buf.clear();
        let _ = write!(
            self.buf,
            "{} {}px {}",
            style.style().as_str(),
            style.size(),
            style.family().as_str()
        );
        if self.buf != self.font {
            ctx.set_font(&self.buf);
            std::mem::swap(&mut self.buf, &mut self.font);
        }
    }

    fn set_text_anchor(&mut self, ctx: &CanvasRenderingContext2d, style: &impl BackendTextStyle) {
        let baseline = match style.anchor().v_pos {
            VPos::Top => "top",
            VPos::Center => "middle",
            VPos::Bottom => "bottom",
        };
        if changed(&mut self.baseline, baseline) {
            ctx.set_text_baseline(baseline);
        }
        let align = match style.anchor().h_pos {
            HPos::Left => "start",
            HPos::Right => "end",
            HPos::Center => "center",
        };
        if changed(&mut self.align, align) {
            ctx.set_text_align(align);
        }
    }
}

/// A canvas backend behind a `devicePixelRatio` transform, with text measured by the canvas itself.
pub struct CssCanvas {
    context: CanvasRenderingContext2d,
    size: (u32, u32),
    /// A `RefCell` because plotters measures text through `&self`, and measuring sets the font.
    state: RefCell<ContextState>,
    /// Lines and polylines of this stroke style (colour, width) are on the context's current path, not yet
    /// stroked. Consecutive lines of one style (a chart's grid, a path drawn segment by segment) then cost one
    /// `stroke()` instead of one each: every stroke is a separate call into JavaScript and a separate path the
    /// browser rasterises, hundreds per chart. Any other drawing strokes the batch first, so the painting order
    /// is kept. One difference from stroking each line alone: where lines of one translucent batch cross, the
    /// crossing is covered once instead of twice.
    batch: Option<(ColorKey, u64)>,
}

impl CssCanvas {
    /// Sizes `canvas`' backing store to its CSS box `(w, h)` × `dpr` and returns a backend of the CSS size; `None`
    /// when the canvas has no 2D context or no size (detached or hidden). The caller knows the box (from a resize
    /// observer): reading it here would force a layout in the middle of an update.
    pub fn fit(canvas: &HtmlCanvasElement, (w, h): (u32, u32), dpr: f64) -> Option<CssCanvas> {
        let (bw, bh, dpr) = backing((w, h), dpr)?;
        // Assigning the size clears the canvas even when unchanged; only assign on change.
        if canvas.width() != bw {
            canvas.set_width(bw);
        }
        if canvas.height() != bh {
            canvas.set_height(bh);
        }
        let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        CssCanvas::on(context, (w, h), dpr)
    }

    /// [`CssCanvas::fit`] for the `OffscreenCanvas` a chart worker draws on (src/ui/chart_worker_scope.rs).
    pub fn fit_offscreen(
        canvas: &OffscreenCanvas,
        (w, h): (u32, u32),
        dpr: f64,
    ) -> Option<CssCanvas> {
        let (bw, bh, dpr) = backing((w, h), dpr)?;
        if canvas.width() != bw {
            canvas.set_width(bw);
        }
        if canvas.height() != bh {
            canvas.set_height(bh);
        }
        // An OffscreenCanvasRenderingContext2D has the methods of a CanvasRenderingContext2D this backend calls
        // (web-sys calls them by name on the object), so it is used through that type.
        let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.unchecked_into();
        CssCanvas::on(context, (w, h), dpr)
    }

    fn on(context: CanvasRenderingContext2d, size: (u32, u32), dpr: f64) -> Option<CssCanvas> {
        context.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0).ok()?;
        Some(CssCanvas {
            context,
            size,
            state: RefCell::default(),
            batch: None,
        })
    }
}

/// The backing store's size for a CSS box `(w, h)` at pixel ratio `dpr`, and the ratio used (1 when `dpr` is not
/// a positive number); `None` for an empty box.
fn backing((w, h): (u32, u32), dpr: f64) -> Option<(u32, u32, f64)> {
    if w == 0 || h == 0 {
        return None;
    }
    let dpr = if dpr.is_finite() && dpr > 0.0 {
        dpr
    } else {
        1.0
    };
    Some((
        (f64::from(w) * dpr).round() as u32,
        (f64::from(h) * dpr).round() as u32,
        dpr,
    ))
}

impl CssCanvas {
    /// Strokes the pending batch of lines, if any.
    fn flush(&mut self) {
        if self.batch.take().is_some() {
            self.context.stroke();
        }
    }

    /// Makes the context's current path the batch of `style`: continues it when it is already that style's,
    /// else strokes the pending batch and starts a new path with `style` set.
    fn batch_stroke(&mut self, style: &impl BackendStyle) {
        let key = (
            color_key(&style.color()),
            (style.stroke_width() as f64).to_bits(),
        );
        if self.batch == Some(key) {
            return;
        }
        self.flush();
        self.state.get_mut().set_line_style(&self.context, style);
        self.context.begin_path();
        self.batch = Some(key);
    }

    /// Before a shape: strokes any pending batch of lines and sets `style` as the fill or the stroke; false when
    /// the style is invisible and there is nothing to draw.
    fn begin_shape(&mut self, style: &impl BackendStyle, fill: bool) -> bool {
        let color = style.color();
        if color.alpha == 0.0 {
            return false;
        }
        self.flush();
        let state = self.state.get_mut();
        if fill {
            state.set_fill(&self.context, &color);
        } else {
            state.set_line_style(&self.context, style);
        }
        true
    }
}

/// Shifts horizontal and vertical lines by half a pixel, so a 1 px line lights one pixel row, not two half-lit ones.
fn fine_hor_ver_lines(from: BackendCoord, end: BackendCoord) -> ((f64, f64), (f64, f64)) {
    let mut from = (f64::from(from.0), f64::from(from.1));
    let mut end = (f64::from(end.0), f64::from(end.1));
    if from.0 == end.0 {
        from.0 -= 0.5;
        end.0 -= 0.5;
    }
    if from.1 == end.1 {
        from.1 -= 0.5;
        end.1 -= 0.5;
    }
    (from, end)
}

impl DrawingBackend for CssCanvas {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.flush();
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if color.alpha == 0.0 {
            return Ok(());
        }
        self.flush();
        self.state.get_mut().set_fill(&self.context, &color);
        self.context
            .fill_rect(f64::from(point.0), f64::from(point.1), 1.0, 1.0);
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let (from, to) = fine_hor_ver_lines(from, to);
        self.batch_stroke(style);
        self.context.move_to(from.0, from.1);
        self.context.line_to(to.0, to.1);
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if !self.begin_shape(style, fill) {
            return Ok(());
        }
        let (x, y) = (f64::from(upper_left.0), f64::from(upper_left.1));
        let (w, h) = (
            f64::from(bottom_right.0 - upper_left.0),
            f64::from(bottom_right.1 - upper_left.1),
        );
        if fill {
            self.context.fill_rect(x, y, w, h);
        } else {
            self.context.stroke_rect(x, y, w, h);
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let mut path = path.into_iter();
        if let Some(start) = path.next() {
            self.batch_stroke(style);
            self.context.move_to(f64::from(start.0), f64::from(start.1));
            // A path through hundreds of layers repeats points (repeated blocks map to one pixel): a line to
            // where the pen already is draws nothing.
            let mut last = start;
            for next in path {
                if next != last {
                    self.context.line_to(f64::from(next.0), f64::from(next.1));
                    last = next;
                }
            }
        }
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if !self.begin_shape(style, fill) {
            return Ok(());
        }
        self.context.begin_path();
        self.context
            .arc(
                f64::from(center.0),
                f64::from(center.1),
                f64::from(radius),
                0.0,
                std::f64::consts::PI * 2.0,
            )
            .map_err(error_cast)?;
        if fill {
            self.context.fill();
        } else {
            self.context.stroke();
        }
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if !self.begin_shape(style, true) {
            return Ok(());
        }
        let mut path = vert.into_iter();
        self.context.begin_path();
        if let Some(start) = path.next() {
            self.context.move_to(f64::from(start.0), f64::from(start.1));
            for next in path {
                self.context.line_to(f64::from(next.0), f64::from(next.1));
            }
            self.context.close_path();
        }
        self.context.fill();
        Ok(())
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        self.flush();
        // The styles go on before any `save`, so they outlive its `restore` and the cache stays true.
        let state = self.state.get_mut();
        state.set_text_anchor(&self.context, style);
        state.set_fill(&self.context, &color);
        state.set_font(&self.context, style);

        let degree = match style.transform() {
            FontTransform::None => 0.0,
            FontTransform::Rotate90 => 90.0,
            FontTransform::Rotate180 => 180.0,
            FontTransform::Rotate270 => 270.0,
        } / 180.0
            * std::f64::consts::PI;
        let ctx = &self.context;
        if degree != 0.0 {
            ctx.save();
            ctx.translate(f64::from(pos.0), f64::from(pos.1))
                .map_err(error_cast)?;
            ctx.rotate(degree).map_err(error_cast)?;
            let drawn = ctx.fill_text(text, 0.0, 0.0).map_err(error_cast);
            ctx.restore();
            drawn
        } else {
            ctx.fill_text(text, f64::from(pos.0), f64::from(pos.1))
                .map_err(error_cast)
        }
    }

    /// Measured with the canvas' own `measureText`: plotters' default for the web appends a `<span>` to the page
    /// and reads its size, a forced layout of the whole page (with its long table) for every label.
    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
        self.state.borrow_mut().set_font(&self.context, style);
        let width = self
            .context
            .measure_text(text)
            .map_or(0.0, |m| m.width())
            .ceil();
        // A line box of the default line height, as the span measurement gave.
        let height = (style.size() * 1.15).ceil();
        Ok((width as u32, height as u32))
    }
}
