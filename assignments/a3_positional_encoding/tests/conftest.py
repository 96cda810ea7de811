"""The grading plugin (points, tasks, the `submission` fixture), also for `pytest` run in this folder."""
pytest_plugins = ["autograder.pytest_plugin"]
