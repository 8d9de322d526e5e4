"""The three Serve applications of deploy/serve_config.yaml (imported there by the paths textml.text_ml:app,
textml.fruit:deployment_graph and textml.calc:serve_dag)."""
