//! Analysis never fails: impossible layers get a message naming the layer and the reason, what depends on them is
//! marked not computed, everything else is still counted, and huge sizes are refused rather than overflowed.

use convscope::core::analysis::{analyse, Options};
use convscope::core::arch::{Architecture, Input, Node};
use convscope::core::diagnostic::Diagnostic;
use convscope::core::layer::{Conv, Layer};

use crate::support;

fn message(spec: &str, path: &str) -> String {
    let a = support::spec(spec);
    match &support::row(&a, path).diagnostic {
        Some(Diagnostic::Invalid(m)) => m.clone(),
        other => panic!("{path} should be invalid, got {other:?}"),
    }
}

#[test]
fn impossible_layers_say_why() {
    let m = message("v1/3x8x8/conv(16,3)/conv(16,9)", "1");
    assert!(
        m.starts_with("Conv2d:") && m.contains("kernel 9") && m.contains("padded input 6"),
        "{m}"
    );
    let m = message("v1/6x8x8/conv(16,3,g4)", "0");
    assert!(
        m.contains("in_channels 6 is not divisible by groups 4"),
        "{m}"
    );
    let m = message("v1/3x8x8/linear(10)", "0");
    assert!(m.contains("flat input") && m.contains("Flatten"), "{m}");
    let m = message("v1/3x8x8/flatten/bn", "1");
    assert!(m.contains("BatchNorm1d"), "{m}");
    let m = message("v1/3x8x8/conv(8,3,s2,psame)", "0");
    assert!(m.contains("strided"), "{m}");
    let m = message("v1/3x8x8/maxpool(3,p2)", "0");
    assert!(m.contains("at most half the kernel"), "{m}");
    let m = message("v1/3x8x8/convt(8,3,s2,op2)", "0");
    assert!(m.contains("output_padding"), "{m}");
    let m = message("v1/3x8x8/res(conv(16,1))", "0:add");
    assert!(m.contains("cannot be summed"), "{m}");
    let m = message("v1/3x8x8/cat(conv(4,3);conv(4,1))", "0:cat");
    assert!(m.contains("only the channel counts may differ"), "{m}");
}

#[test]
fn later_layers_are_marked_and_independent_paths_still_count() {
    let a = support::spec("v1/3x8x8/conv(8,3)/conv(8,99)/relu/linear(3)");
    assert!(support::row(&a, "0").stats.is_some());
    assert_eq!(a.totals.diagnostics, 3);
    for path in ["2", "3"] {
        let d = support::row(&a, path)
            .diagnostic
            .as_ref()
            .expect("diagnostic");
        assert!(!d.is_cause());
        assert!(d.to_string().contains("depends on 1"), "{d}");
    }
    // Totals still include the valid first layer.
    assert_eq!(a.totals.params, 8 * 3 * 9 + 8);
    // In a residual block whose main path breaks, the shortcut is still computed.
    let a = support::spec("v1/4x8x8/res(conv(4,99);conv(4,1))");
    assert!(support::row(&a, "0.1").stats.is_some());
    assert!(support::row(&a, "0:add").diagnostic.is_some());
}

#[test]
fn absurd_sizes_are_refused_not_overflowed() {
    // The parser bounds every number.
    assert!(convscope::core::format::parse("v1/3x8x8/conv(99999999999,3)").is_err());
    assert!(convscope::core::format::parse("v1/3x100000x8/relu").is_err());
    // Within bounds, products that would overflow 64 bits become diagnostics.
    let a = support::spec("v1/1048576x65536x65536/conv(1048576,4096,p2048)");
    assert!(
        a.rows[0]
            .diagnostic
            .as_ref()
            .is_some_and(|d| d.to_string().contains("overflow")),
        "{:?}",
        a.rows[0]
    );
    // A model built in code with out-of-range input gets an input error, and rows are still listed.
    let arch = Architecture {
        input: Input { c: 0, h: 8, w: 8 },
        body: vec![Node::layer(Layer::Conv(Conv::new(8, 3)))],
    };
    let a = analyse(&arch, &Options::default());
    assert!(a.input_error.is_some());
    assert_eq!(a.rows.len(), 1);
    assert!(a.rows[0].diagnostic.is_some());
}

#[test]
fn enormous_repeat_trees_stop_with_a_flag() {
    let a = support::spec("v1/3x8x8/1000*seq(1000*seq(1000*relu))");
    assert!(a.truncated);
    assert!(a.rows.len() <= convscope::core::limits::MAX_ROWS);
    let a = support::spec("v1/3x8x8/1000*seq(1000*seq(1000*seq(1000*seq())))");
    assert!(a.truncated);
}

mod extremes {
    //! Random layers with sizes anywhere up to the limits: in this debug build every integer overflow would
    //! panic, so passing means every count is either exact or refused with a diagnostic.

    use convscope::core::analysis::{analyse, Counting, Options};
    use convscope::core::format;
    use convscope::core::limits::{MAX_BATCH, MAX_CHANNELS, MAX_KERNEL, MAX_SPATIAL};
    use proptest::prelude::*;

    fn layer() -> impl Strategy<Value = String> {
        let k = 1..=MAX_KERNEL;
        prop_oneof![
            (
                1..=MAX_CHANNELS,
                k.clone(),
                k.clone(),
                0..=MAX_KERNEL,
                k.clone(),
                any::<bool>()
            )
                .prop_map(|(c, kk, s, p, d, dw)| format!(
                    "conv({c},{kk},s{s},p{p},d{d}{})",
                    if dw { ",dw" } else { "" }
                )),
            (1..=MAX_CHANNELS, k.clone(), k.clone(), 0..=MAX_KERNEL)
                .prop_map(|(c, kk, s, p)| format!("convt({c},{kk},s{s},p{p})")),
            (k.clone(), k.clone()).prop_map(|(kk, s)| format!("maxpool({kk},s{s},ceil)")),
            (1..=MAX_SPATIAL).prop_map(|n| format!("adaptiveavg({n})")),
            (1u64..=64).prop_map(|n| format!("upsample({n},bilinear)")),
            (1..=MAX_CHANNELS).prop_map(|n| format!("linear({n})")),
            Just("flatten".to_string()),
            Just("bn".to_string()),
            Just("concatpool".to_string()),
            (1..=MAX_CHANNELS).prop_map(|n| format!("se({n})")),
            (1..=MAX_CHANNELS, 1u64..=64).prop_map(|(c, s)| format!("bottleneck({c},s{s},e64,g1)")),
            (1..=MAX_CHANNELS).prop_map(|c| format!("res(conv({c},3,p1);conv({c},1))")),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
        #[test]
        fn huge_sizes_never_overflow(
            c in 1..=MAX_CHANNELS, h in 1..=MAX_SPATIAL, w in 1..=MAX_SPATIAL,
            layers in proptest::collection::vec(layer(), 1..6),
            batch in 1..=MAX_BATCH,
        ) {
            let spec = format!("v1/{c}x{h}x{w}/{}", layers.join("/"));
            let arch = format::parse(&spec).map_err(|e| TestCaseError::fail(format!("{spec}: {e}")))?;
            let a = analyse(&arch, &Options { batch, counting: Counting::ALL, ..Options::default() });
            prop_assert!(a.rows.iter().all(|r| r.stats.is_some() != r.diagnostic.is_some()));
        }
    }
}

/// PyTorch (2.15) refuses a GroupNorm with a single value per group across the batch, in evaluation mode too:
/// `nn.GroupNorm(4, 4).eval()(torch.zeros(1, 4, 1, 1))` raises "Expected more than 1 value per channel", while
/// batch 2, two channels per group or a 1×2 map pass.
#[test]
fn group_norm_needs_more_than_one_value_per_group() {
    let m = message("v1/4x3x3/adaptiveavg(1)/groupnorm(4)", "1");
    assert!(
        m.starts_with("GroupNorm:") && m.contains("more than 1 value per group"),
        "{m}"
    );
    let batch = |spec: &str, n: u64| {
        let arch = convscope::core::format::parse(spec).expect("parses");
        analyse(
            &arch,
            &Options {
                batch: n,
                ..Options::default()
            },
        )
    };
    for (spec, n) in [
        ("v1/4x3x3/adaptiveavg(1)/groupnorm(4)", 2),
        ("v1/4x3x3/adaptiveavg(1)/groupnorm(2)", 1),
        ("v1/4x3x3/adaptiveavg(1x2)/groupnorm(4)", 1),
    ] {
        let a = batch(spec, n);
        assert!(support::row(&a, "1").stats.is_some(), "{spec} at batch {n}");
    }
}

/// torchvision refuses `InvertedResidual(…, stride=3, …)` ("stride should be 1 or 2 instead of 3") and
/// `MBConv` with stride 3 ("illegal stride value"): such a block's first row says so, its other rows and what
/// follows depend on it, and what precedes it is still counted.
#[test]
fn inverted_residual_blocks_take_stride_1_or_2() {
    let a = support::spec("v1/3x32x32/conv(16,3,p1)/invres(6,24,s3)/conv(8,1)");
    assert!(support::row(&a, "0").stats.is_some());
    let m = message(
        "v1/3x32x32/conv(16,3,p1)/invres(6,24,s3)/conv(8,1)",
        "1.conv.0.0",
    );
    assert!(
        m.contains("InvertedResidual") && m.contains("stride should be 1 or 2"),
        "{m}"
    );
    assert!(matches!(
        &support::row(&a, "2").diagnostic,
        Some(Diagnostic::NotComputed { cause }) if cause == "1"
    ));
    let m = message("v1/3x32x32/mbconv(4,32,5,s3)", "0.block.0.0");
    assert!(
        m.contains("MBConv") && m.contains("stride should be 1 or 2"),
        "{m}"
    );
    for spec in [
        "v1/3x32x32/invres(6,24,s2)",
        "v1/3x32x32/mbconv(4,32,5,s2)",
        "v1/3x32x32/invres(1,3)",
    ] {
        assert!(
            support::spec(spec).rows.iter().all(|r| r.stats.is_some()),
            "{spec}"
        );
    }
}
