//! Point marks drawn many times over: a network repeats its blocks, so dozens of layers often land on the very same
//! pixel of a scatter chart (resnet152's 35 identical layer3 bottlenecks put their convolutions on one spot of the
//! roofline). Each translucent copy darkens the spot a little more, and each costs a separate path to rasterise.
//! [`stack`] merges identical marks into one, drawn with the alpha the copies add up to ([`stacked_alpha`]): the
//! same picture with one draw per distinct mark (up to anti-aliased edge pixels).

use std::collections::HashMap;

use plotters::element::Circle;
use plotters::style::{Color, RGBColor};

/// One mark to draw: its data coordinate, its pixel centre (which decides identity), radius and colour.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mark<C> {
    pub at: C,
    pub pixel: (i32, i32),
    pub radius: i32,
    pub color: RGBColor,
}

/// A distinct mark and how many identical marks it stands for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stacked<C> {
    pub mark: Mark<C>,
    pub count: u32,
}

/// What makes two marks identical: pixel centre, radius, colour.
type MarkKey = ((i32, i32), i32, (u8, u8, u8));

impl<C> Stacked<C> {
    /// The filled circle standing for the stacked marks, each of opacity `alpha`.
    pub fn circle(&self, alpha: f64) -> Circle<C, i32>
    where
        C: Copy,
    {
        let m = self.mark;
        Circle::new(
            m.at,
            m.radius,
            m.color.mix(stacked_alpha(alpha, self.count)).filled(),
        )
    }
}

/// Merges identical marks (same pixel centre, radius and colour), in the order of their first appearance.
pub fn stack<C: Copy>(marks: impl IntoIterator<Item = Mark<C>>) -> Vec<Stacked<C>> {
    let mut out: Vec<Stacked<C>> = Vec::new();
    let mut index: HashMap<MarkKey, usize> = HashMap::new();
    for mark in marks {
        let key = (
            mark.pixel,
            mark.radius,
            (mark.color.0, mark.color.1, mark.color.2),
        );
        match index.get(&key) {
            Some(&i) => out[i].count += 1,
            None => {
                index.insert(key, out.len());
                out.push(Stacked { mark, count: 1 });
            }
        }
    }
    out
}

/// The opacity of `count` copies of a colour of opacity `alpha` painted over each other: 1 − (1 − α)ⁿ.
pub fn stacked_alpha(alpha: f64, count: u32) -> f64 {
    1.0 - (1.0 - alpha).powi(count.min(64) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(x: i32, r: i32, c: RGBColor) -> Mark<f64> {
        Mark {
            at: f64::from(x),
            pixel: (x, 10),
            radius: r,
            color: c,
        }
    }

    #[test]
    fn identical_marks_merge_in_first_order() {
        let (a, b) = (RGBColor(1, 2, 3), RGBColor(9, 9, 9));
        let s = stack([
            mark(5, 3, a),
            mark(7, 3, a),
            mark(5, 3, a),
            mark(5, 4, a),
            mark(5, 3, b),
            mark(5, 3, a),
        ]);
        let counts: Vec<(i32, i32, u32)> = s
            .iter()
            .map(|s| (s.mark.pixel.0, s.mark.radius, s.count))
            .collect();
        assert_eq!(counts, [(5, 3, 3), (7, 3, 1), (5, 4, 1), (5, 3, 1)]);
        assert_eq!(s[3].mark.color, b);
    }

    #[test]
    fn copies_add_up_like_layers_of_paint() {
        assert!((stacked_alpha(0.8, 1) - 0.8).abs() < 1e-12);
        assert!((stacked_alpha(0.5, 2) - 0.75).abs() < 1e-12);
        assert!(stacked_alpha(0.55, 1000) <= 1.0);
    }
}
