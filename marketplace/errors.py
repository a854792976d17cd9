"""Domain errors raised by services, and the HTTP error pages.

Services raise these; views turn them into a message next to the field (``field``)
or at the top of the page. No domain error ever becomes a 500.
"""
from flask import render_template


class DomainError(Exception):
    """A request that the rules refuse; ``message`` is shown to the user in Chinese."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    """Bad input; ``field`` names the form field it concerns. ``errors`` holds every
    field's message when a whole form was checked at once."""

    def __init__(self, message: str, field: str | None = None,
                 errors: dict[str, str] | None = None):
        super().__init__(message, field)
        self.errors = errors or ({field: message} if field else {})


class Collector:
    """Runs field checks and gathers every failure, so a form shows all its problems."""

    def __init__(self):
        self.values: dict = {}
        self.errors: dict[str, str] = {}

    def run(self, name: str, check, *args):
        try:
            self.values[name] = check(*args)
        except ValidationError as error:
            self.errors.setdefault(error.field or name, error.message)
        return self.values.get(name)

    def result(self) -> dict:
        if self.errors:
            field, message = next(iter(self.errors.items()))
            raise ValidationError(message, field, dict(self.errors))
        return self.values


class IllegalTransition(DomainError):
    status_code = 409


class PermissionDenied(DomainError):
    status_code = 403

    def __init__(self, message: str = "您没有权限执行此操作。"):
        super().__init__(message)


class NotFound(DomainError):
    status_code = 404

    def __init__(self, message: str = "您要找的内容不存在或已被删除。"):
        super().__init__(message)


def register_error_pages(app):
    messages = {
        400: ("请求有误", "请求内容无法处理，请返回重试。"),
        403: ("无权访问", "您没有权限访问此页面。"),
        404: ("页面不存在", "您要找的内容不存在或已被删除。"),
        405: ("请求方式错误", "该页面不支持此请求方式。"),
        409: ("操作冲突", "当前状态不允许此操作。"),
        413: ("内容过大", "上传的内容超过了大小限制。"),
        429: ("请求过于频繁", "您的操作过于频繁，请稍后再试。"),
        500: ("系统错误", "系统出现错误，请稍后重试。如问题持续，请联系平台管理员。"),
    }

    def render(code, detail=None):
        title, text = messages.get(code, messages[500])
        return render_template("errors/error.html", code=code, title=title,
                               text=detail or text), code

    for code in messages:
        app.register_error_handler(code, lambda e, code=code: render(code))

    @app.errorhandler(DomainError)
    def domain_error(error):
        return render(error.status_code, error.message)

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render(400, "页面已过期或表单校验失败，请刷新页面后重新提交。")
