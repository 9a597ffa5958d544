# The small course with quizzes the quizzes tests use.
from tests.quizzes.conftest import basics_quiz, tiny, tiny_dir  # noqa: F401
