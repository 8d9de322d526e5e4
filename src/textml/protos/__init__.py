"""gRPC messages and service of text_ml_app, generated at install time from text_ml.proto."""
