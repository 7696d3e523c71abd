//! Importing networks written in other formats (ONNX) into convscope's model. `cli` and `ui` use it; `core` never
//! does. An import gives an [`crate::core::arch::Architecture`] plus messages, or an error naming what stopped it.

pub mod onnx;
