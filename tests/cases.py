"""What the project's own tests iterate over: every assignment of the course."""
from autograder import course

ASSIGNMENTS = course.assignments()
ASSIGNMENT_IDS = [a.id for a in ASSIGNMENTS]
