"""Survey definitions: question types, validation, branching, templates, import/export."""
