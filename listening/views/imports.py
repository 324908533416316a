from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from listening import services
from listening.forms import ExportUploadForm
from listening.models import ImportJob
from rewrapped.api import ApplicationError


@login_required
@require_http_methods(["GET", "POST"])
def imports(request):
    form = ExportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            jobs = services.import_jobs_create(user=request.user, uploads=form.cleaned_data["export"])
        except ApplicationError as error:
            form.add_error("export", error.message)
        else:
            received = "Upload received" if len(jobs) == 1 else f"{len(jobs)} files received, one import each"
            messages.success(request, f"{received}. Your history is being imported; you can leave this page.")
            return redirect("listening:imports")
    jobs = ImportJob.objects.filter(user=request.user)[:20]
    return render(request, "listening/imports.html", {
        "form": form, "jobs": jobs, "max_upload_mb": settings.IMPORT_MAX_UPLOAD_BYTES // 1_000_000,
    })


@login_required
@require_http_methods(["GET", "POST"])
def import_undo(request, public_id):
    """Asks first (GET), then takes the import's plays out of the listener's history (POST)."""
    job = get_object_or_404(ImportJob, public_id=public_id, user=request.user)
    if request.method == "GET":
        return render(request, "listening/import_undo.html", {"job": job})
    try:
        services.import_job_undo(job=job)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Undoing the import of {job.filename}: its plays are being taken out.")
    return redirect("listening:imports")


@login_required
@require_POST
def import_cancel(request, public_id):
    job = get_object_or_404(ImportJob, public_id=public_id, user=request.user)
    if services.import_job_cancel(job=job).status == ImportJob.Status.CANCELLED:
        messages.info(request, "Import cancelled; nothing from it was kept.")
    else:
        messages.info(request, "Cancelling the import; nothing from it will be kept.")
    return redirect("listening:imports")
