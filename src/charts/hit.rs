//! Hit-test geometry a chart returns: which pixels belong to which row, so the UI can show tooltips and select rows.

use std::ops::Range;

/// A rectangle in the backend's pixel coordinates (canvas pixels), `x0 ≤ x < x1`, `y0 ≤ y < y1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PixelRect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl PixelRect {
    /// The rectangle spanned by two corners in any order.
    pub fn from_corners(a: (i32, i32), b: (i32, i32)) -> PixelRect {
        PixelRect {
            x0: a.0.min(b.0),
            y0: a.1.min(b.1),
            x1: a.0.max(b.0),
            y1: a.1.max(b.1),
        }
    }

    /// The rectangle of a plotting area's pixel ranges (`DrawingArea::get_pixel_range`).
    pub fn from_ranges((x, y): (std::ops::Range<i32>, std::ops::Range<i32>)) -> PixelRect {
        PixelRect {
            x0: x.start,
            y0: y.start,
            x1: x.end,
            y1: y.end,
        }
    }

    /// Whether the pixel lies inside.
    pub fn contains(&self, x: i32, y: i32) -> bool {
        (self.x0..self.x1).contains(&x) && (self.y0..self.y1).contains(&y)
    }

    pub fn width(&self) -> i32 {
        self.x1 - self.x0
    }

    pub fn height(&self) -> i32 {
        self.y1 - self.y0
    }
}

/// Where a target is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HitShape {
    /// A bar: `mark` is the drawn bar, `zone` the full-height column that answers the pointer (thin bars are
    /// easier to hit by their column).
    Bar { mark: PixelRect, zone: PixelRect },
    /// A marker centred at `(x, y)`; the pointer hits it within `radius` pixels (at least [`POINT_SLOP`]).
    Point { x: i32, y: i32, radius: i32 },
}

/// Pixels of tolerance around small point markers.
pub const POINT_SLOP: i32 = 6;

/// One thing the pointer can hover or click.
#[derive(Clone, Debug, PartialEq)]
pub struct HitTarget {
    /// The analysis row to select on click (the first row of a block or stage); `None` for marks that stand for
    /// no row of this analysis (the what-if bars).
    pub row: Option<usize>,
    /// All rows the mark sums (one row for a layer bar or point).
    pub rows: Range<usize>,
    pub shape: HitShape,
    /// Tooltip title: the layer path, block or stage.
    pub label: String,
    /// Tooltip body: the numbers, one per line.
    pub detail: String,
}

impl HitTarget {
    /// Squared distance from the pointer when it hits the target, `None` when it misses.
    fn distance(&self, x: i32, y: i32) -> Option<i64> {
        match self.shape {
            HitShape::Bar { zone, .. } => zone.contains(x, y).then_some(0),
            HitShape::Point {
                x: px,
                y: py,
                radius,
            } => {
                let r = i64::from(radius.max(POINT_SLOP));
                let d = i64::from(x - px).pow(2) + i64::from(y - py).pow(2);
                (d <= r * r).then_some(d)
            }
        }
    }
}

/// What a drawn chart tells the UI.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ChartLayout {
    /// Size of the drawing area in pixels.
    pub width: u32,
    pub height: u32,
    /// The plotting area (inside the axes) in backend pixels; a second panel's in `panels[1]` when there is one.
    pub panels: Vec<PixelRect>,
    pub targets: Vec<HitTarget>,
}

impl ChartLayout {
    /// The target under the pointer: the nearest point marker within reach, else the bar whose column holds it.
    pub fn hit(&self, x: i32, y: i32) -> Option<&HitTarget> {
        self.targets
            .iter()
            .filter_map(|t| t.distance(x, y).map(|d| (d, t)))
            .min_by_key(|(d, _)| *d)
            .map(|(_, t)| t)
    }

    /// The targets that include `row` (to outline the selection, or scroll a tooltip to it).
    pub fn targets_for_row(&self, row: usize) -> impl Iterator<Item = &HitTarget> {
        self.targets.iter().filter(move |t| t.rows.contains(&row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(row: usize, x: i32, y: i32) -> HitTarget {
        HitTarget {
            row: Some(row),
            rows: row..row + 1,
            shape: HitShape::Point { x, y, radius: 2 },
            label: format!("row {row}"),
            detail: String::new(),
        }
    }

    #[test]
    fn nearest_point_wins_and_far_pointer_misses() {
        let layout = ChartLayout {
            targets: vec![point(0, 10, 10), point(1, 14, 10)],
            ..ChartLayout::default()
        };
        assert_eq!(layout.hit(13, 10).and_then(|t| t.row), Some(1));
        assert_eq!(layout.hit(10, 11).and_then(|t| t.row), Some(0));
        assert!(layout.hit(40, 40).is_none());
    }

    #[test]
    fn bars_answer_by_column() {
        let bar = HitTarget {
            row: Some(3),
            rows: 3..5,
            shape: HitShape::Bar {
                mark: PixelRect::from_corners((10, 90), (20, 100)),
                zone: PixelRect::from_corners((10, 0), (20, 100)),
            },
            label: "block".into(),
            detail: String::new(),
        };
        let layout = ChartLayout {
            targets: vec![bar],
            ..ChartLayout::default()
        };
        assert_eq!(layout.hit(15, 5).and_then(|t| t.row), Some(3));
        assert!(layout.hit(25, 95).is_none());
        assert_eq!(layout.targets_for_row(4).count(), 1);
    }
}
