from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`mapping|get_item:key` (dict lookup with a variable key)."""
    return (mapping or {}).get(key)


@register.filter
def type_label(name: str) -> str:
    """A field type in words, in the agent's language ("int" -> "whole number")."""
    from datapolis.catalog.field_types import TYPE_LABELS

    return str(TYPE_LABELS.get(name, name))


@register.filter
def action_label(action: str) -> str:
    """The readable name of an audit action."""
    from datapolis.audit.events import Action

    try:
        return Action(action).label
    except ValueError:
        return action
