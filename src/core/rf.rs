//! Receptive field by the recurrence of Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural
//! Networks", Distill 2019, eqs. (1)–(3), per axis:
//! `r' = r + (k_eff − 1)·j`, `start' = start + ((k_eff − 1)/2 − pad_left)·j`, `j' = j·s`, with `k_eff = d(k−1)+1`.
//! `start` is the centre of the first output unit's field in input pixel coordinates (may be negative: padding).

/// Receptive field along one axis, in input pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AxisRf {
    /// Size of the field: how many input pixels one output unit sees.
    pub size: f64,
    /// Effective stride (jump): input pixels between neighbouring output units.
    pub jump: f64,
    /// Centre of the first output unit's field.
    pub start: f64,
}

impl AxisRf {
    /// The input itself: one pixel, jump 1, centred on pixel 0.
    pub const PIXEL: AxisRf = AxisRf {
        size: 1.0,
        jump: 1.0,
        start: 0.0,
    };

    /// After a sliding window (convolution or pooling) of `kernel` with `stride`, `pad_left` and `dilation`.
    pub fn window(&self, kernel: u64, stride: f64, pad_left: u64, dilation: u64) -> AxisRf {
        let k_eff = (dilation * kernel.saturating_sub(1) + 1) as f64;
        AxisRf {
            size: self.size + (k_eff - 1.0) * self.jump,
            jump: self.jump * stride,
            start: self.start + ((k_eff - 1.0) / 2.0 - pad_left as f64) * self.jump,
        }
    }

    /// After a transposed convolution: the field of an output unit spans `ceil(k_eff/s)` input units and the jump
    /// shrinks by the stride (an approximation where dilation and stride interleave).
    pub fn transposed(&self, kernel: u64, stride: u64, pad: u64, dilation: u64) -> AxisRf {
        let k_eff = (dilation * kernel.saturating_sub(1) + 1) as f64;
        let s = stride.max(1) as f64;
        let taps = (k_eff / s).ceil();
        AxisRf {
            size: self.size + (taps - 1.0) * self.jump,
            jump: self.jump / s,
            start: self.start + (pad as f64 - (k_eff - 1.0) / 2.0) / s * self.jump,
        }
    }

    /// After upsampling by `scale` (PyTorch's `align_corners=False` pixel centres); bilinear reads two neighbours.
    pub fn upsampled(&self, scale: u64, bilinear: bool) -> AxisRf {
        let s = scale.max(1) as f64;
        AxisRf {
            size: self.size + if bilinear { self.jump } else { 0.0 },
            jump: self.jump / s,
            start: self.start + (0.5 / s - 0.5) * self.jump,
        }
    }

    /// A unit that sees the whole input of `extent` pixels (after global pooling or a linear layer).
    pub fn whole(extent: u64) -> AxisRf {
        let e = extent as f64;
        AxisRf {
            size: e,
            jump: e,
            start: (e - 1.0) / 2.0,
        }
    }

    /// Where branches meet (residual sum, concatenation, a squeeze-excitation's product): each unit sees what it
    /// sees through either path, so the larger field; the units sit on the grid the paths share, so the smaller
    /// jump. (Paths that meet have the same grid, except a globally pooled one — squeeze-excitation — whose single
    /// unit is broadcast over the other's grid: its jump, the whole input, is no step of the merged map.)
    pub fn max(self, other: AxisRf) -> AxisRf {
        let wider = if other.size > self.size { other } else { self };
        AxisRf {
            jump: self.jump.min(other.jump),
            ..wider
        }
    }
}

/// Receptive field on both axes.
///
/// `h` and `w` are the field of the convolution path, as Distill's recurrence and a gradient measurement with
/// squeeze-excitation gates held constant give it. A gate scales a map by numbers computed from the whole map, so
/// every unit after one also depends on the whole input: `global` records that apart, rather than letting one
/// global pool swamp the field that the convolutions build.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rf {
    pub h: AxisRf,
    pub w: AxisRf,
    /// A squeeze-excitation gate upstream adds global context.
    pub global: bool,
}

impl Rf {
    /// The input itself.
    pub const PIXEL: Rf = Rf {
        h: AxisRf::PIXEL,
        w: AxisRf::PIXEL,
        global: false,
    };

    /// The whole input image of `h×w`.
    pub fn whole(h: u64, w: u64) -> Rf {
        Rf {
            h: AxisRf::whole(h),
            w: AxisRf::whole(w),
            global: false,
        }
    }

    /// Component-wise [`AxisRf::max`].
    pub fn max(self, other: Rf) -> Rf {
        Rf {
            h: self.h.max(other.h),
            w: self.w.max(other.w),
            global: self.global || other.global,
        }
    }

    /// Whether the field covers at least the whole input on both axes.
    pub fn covers(&self, h: u64, w: u64) -> bool {
        self.h.size >= h as f64 && self.w.size >= w as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distill_worked_example() {
        // Araujo et al. Fig.: three 3×3 convolutions with strides 1, 2, 2 (no padding): r = 1 + 2 + 4 + 8 = ... per
        // eq. (2): r0 = sum (k_l - 1) prod s + 1 = 2·1 + 2·1 + 2·2 + 1 = 9.
        let r = AxisRf::PIXEL
            .window(3, 1.0, 0, 1)
            .window(3, 2.0, 0, 1)
            .window(3, 2.0, 0, 1);
        assert_eq!(r.size, 9.0);
        assert_eq!(r.jump, 4.0);
        // Centre of the first unit: (k-1)/2 offsets 1 + 1·1 + 1·2 = 4.
        assert_eq!(r.start, 4.0);
    }

    #[test]
    fn a_broadcast_global_field_keeps_the_grid_of_the_path_it_meets() {
        // A 7×7 field on a jump-4 grid meets a squeeze-excitation's global field over a 224-pixel input: every
        // unit now sees the whole input, and the next 3×3 convolution steps over the same jump-4 grid.
        let main = AxisRf::PIXEL.window(3, 2.0, 1, 1).window(3, 2.0, 1, 1);
        let merged = main.max(AxisRf::whole(224));
        assert_eq!((merged.size, merged.jump), (224.0, 4.0));
        assert_eq!(merged.window(3, 1.0, 1, 1).size, 232.0);
    }

    #[test]
    fn dilation_widens_the_kernel() {
        let r = AxisRf::PIXEL.window(3, 1.0, 2, 2);
        assert_eq!(r.size, 5.0);
        assert_eq!(r.start, 0.0);
    }
}
