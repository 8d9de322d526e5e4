"""text_ml_app's operations, apart from any transport: what is asked (schema), how it is answered
(TextService)."""
