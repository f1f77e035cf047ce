from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils.translation import gettext_lazy as _

from clientela.common.models import TimestampedModel

from .config_cache import new_stamp
from .scoping import ScopedManager

TIMEZONE_DEFAULT = "Europe/Madrid"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. Belongs to workspaces through `Membership`."""

    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True,
                                help_text=_("Leave empty to follow your browser."))
    timezone = models.CharField(_("time zone"), max_length=64, default=TIMEZONE_DEFAULT)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(auto_now_add=True)
    last_workspace = models.ForeignKey("Workspace", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return str(self)

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Workspace(models.Model):
    """A tenant: one company using Clientela. Every CRM record belongs to exactly one."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    default_country = models.CharField(_("default country"), max_length=2, default="ES")
    default_currency = models.CharField(_("default currency"), max_length=3, default="EUR")
    created_at = models.DateTimeField(auto_now_add=True)
    # Replaced whenever roles, teams, sharing rules or custom fields change (`config_cache`).
    config_stamp = models.CharField(max_length=32, default=new_stamp, editable=False)

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        """A change of the workspace's own fields never writes back the configuration stamp it was read with:
        another process may have replaced it since (`config_cache`)."""
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields
                                       if not f.primary_key and f.name != "config_stamp"]
        super().save(*args, **kwargs)


class Membership(models.Model):
    """A user's seat in a workspace, with the key of the role that decides what they may do."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=40, default="rep")
    is_active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "workspace"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} @ {self.workspace}"


class WorkspaceScopedModel(TimestampedModel):
    """Base for everything stored inside a workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", editable=False)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        abstract = True


class Team(WorkspaceScopedModel):
    """A group of users; teams nest, and a team's records are visible to its parent team's managers."""

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="children", verbose_name=_("parent team"))
    members = models.ManyToManyField(User, related_name="teams", blank=True, verbose_name=_("members"))

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="team_name_unique")]

    def __str__(self):
        return self.name
