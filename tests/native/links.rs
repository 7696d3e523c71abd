//! Links as earlier versions wrote them (and as chat clients mangle them) open the same network and settings.

use convscope::charts::{ChartView, Grouping, Metric};
use convscope::core::action;
use convscope::core::format;
use convscope::core::fragment::{self, Fields};
use convscope::core::presets;
use convscope::core::shape::Dtype;

/// `%XX` for every byte but ASCII letters and digits, as `encodeURIComponent` plus the characters it keeps.
fn escape_all(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// What some chat clients do to a link: brackets, commas and colons escaped, lower-case hex.
fn escape_some(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '(' | ')' | ',' | ':' => format!("%{:02x}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// A link with every setting away from its default, in the order the app has always written them.
fn old_link(spec: &str) -> String {
    format!(
        "arch={spec}&batch=7&dtype=bf16&device=custom:120:900&count=bias,norm,act,pool,addmul&sel=layer1.0:add\
         &metric=params&per=stage&cumulative=0&rflog=1&size=traffic&whatif=0"
    )
}

#[test]
fn every_preset_link_opens_the_same_network_plain_or_escaped() {
    for p in presets::all() {
        let want = format::parse(&p.spec).expect("preset parses");
        let link = old_link(&p.spec);
        for text in [
            format!("#{link}"),
            link.clone(),
            escape_all(&link),
            escape_some(&link),
        ] {
            let (state, warnings) = fragment::decode(&text).expect("opens");
            assert!(warnings.is_empty(), "{}: {warnings:?}", p.key);
            assert_eq!(state.arch, want, "{}", p.key);
            assert_eq!(state.batch, 7);
            assert_eq!(state.dtype, Dtype::Bf16);
            assert_eq!(state.device, "custom:120:900");
            let c = state.counting;
            assert!(c.bias && c.norm && c.activation && c.pool && c.add_mul);
            let fields = Fields::parse(&text).expect("short enough");
            assert_eq!(fields.sel.as_deref(), Some("layer1.0:add"));
            let (view, warnings) = ChartView::from_fields(&fields);
            assert!(warnings.is_empty(), "{warnings:?}");
            assert_eq!(
                view,
                ChartView {
                    metric: Metric::Params,
                    grouping: Grouping::Stage,
                    cumulative: false,
                    rf_log: true,
                    trade_metric: Metric::Traffic,
                    whatif: false,
                }
            );
        }
    }
}

#[test]
fn a_link_the_app_writes_reads_back_field_by_field() {
    let p = presets::find("densenet121").expect("preset");
    let mut state = fragment::State::new(p.architecture().expect("parses"));
    state.batch = 32;
    state.dtype = Dtype::Int8;
    state.device = "a100".into();
    state.counting.pool = true;
    let view = ChartView {
        grouping: Grouping::BLOCK,
        rf_log: true,
        ..ChartView::default()
    };
    let link = format!(
        "#{}&sel=features.denseblock1.denselayer1:cat{}",
        fragment::encode(&state),
        view.encode()
    );
    let fields = Fields::parse(&link).expect("short enough");
    assert_eq!(fields.state(), Ok((state, vec![])));
    assert_eq!(
        fields.sel.as_deref(),
        Some("features.denseblock1.denselayer1:cat")
    );
    assert_eq!(ChartView::from_fields(&fields), (view, vec![]));
}

#[test]
fn a_truncated_escaped_link_recovers_with_its_settings() {
    // resnet18's spec cut inside its last stage: what is left up to the cut still opens, batch and dtype kept.
    let p = presets::find("resnet18").expect("preset");
    let link = escape_all(&format!("batch=16&dtype=fp16&arch={}", p.spec));
    let cut = &link[..link.len() * 3 / 4];
    assert!(fragment::decode(cut).is_err());
    let r = action::recover(cut).expect("recovers");
    assert_eq!(r.state.batch, 16);
    assert_eq!(r.state.dtype, Dtype::Fp16);
    let want = format::parse(&p.spec).expect("preset parses");
    assert!(r.kept > 0 && r.kept < p.spec.chars().count(), "{}", r.kept);
    assert_eq!(r.state.arch.input, want.input);
    assert_eq!(r.state.arch.body.first(), want.body.first());
}
